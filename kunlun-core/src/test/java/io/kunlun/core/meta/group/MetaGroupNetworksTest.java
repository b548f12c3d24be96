package io.kunlun.core.meta.group;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which networks a change of members lets in or takes back: each member's machine brings its
 * address (a manager there connects from it), the client networks stay whatever the members.
 */
class MetaGroupNetworksTest {

    @Test
    void aRemovedMembersAddressIsNoLongerLetIn() {
        MetaGroupSpec group = group(List.of(), "10.0.0.2", "10.0.0.3", "10.0.0.4");

        assertThat(MetaGroup.networksOnlyIn(group, group.withMembers(group.members().subList(0, 2))))
                .containsExactly("10.0.0.4/32");
    }

    @Test
    void aRemovedMembersAddressGivenAsAClientNetworkStaysLetIn() {
        MetaGroupSpec group = group(List.of("10.0.0.4/32", "10.0.1.0/24"), "10.0.0.2", "10.0.0.3", "10.0.0.4");

        assertThat(MetaGroup.networksOnlyIn(group, group.withMembers(group.members().subList(0, 2)))).isEmpty();
    }

    @Test
    void aRemovedMemberOnALoopbackAddressTakesNoNetworkBack() {
        MetaGroupSpec group = group(List.of(), "10.0.0.2", "10.0.0.3", "127.0.0.154");

        assertThat(MetaGroup.networksOnlyIn(group, group.withMembers(group.members().subList(0, 2)))).isEmpty();
    }

    @Test
    void anAddedMemberBringsItsAddress() {
        MetaGroupSpec group = group(List.of("10.0.1.0/24"), "10.0.0.2", "10.0.0.3", "10.0.0.4");
        List<MetaGroupSpec.Member> grown = new ArrayList<>(group.members());
        grown.add(new MetaGroupSpec.Member("10.0.0.5", 57300));

        assertThat(MetaGroup.networksOnlyIn(group.withMembers(grown), group)).containsExactly("10.0.0.5/32");
    }

    private static MetaGroupSpec group(List<String> clientNetworks, String... machines) {
        return new MetaGroupSpec("kunlun_meta", Arrays.stream(machines)
                .map(machine -> new MetaGroupSpec.Member(machine, 57300)).toList(), "/data/kunlun-meta", 57300, 64,
                clientNetworks, "metadata-group-test", "replication", "monitoring");
    }
}
