package io.kunlun.core.meta.group;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * What {@code kunlunctl meta bootstrap} made, kept in the manager configuration file it writes
 * (section {@code metadata_group}, which the manager itself does not read), so that the group can
 * be grown, shrunk and started again later: the Galera group's name, the members (each a machine
 * and the first of its instance's four ports: SQL, then state transfer, incremental transfer and
 * group communication), where each instance lives ({@code datadir}, the same on every machine),
 * the first port asked for ({@code port}: every member's, except that members on loopback
 * addresses, which share this host's ports, take the next free blocks of four), the client
 * networks asked for (its accounts come in from those, from loopback and from each member's
 * machine), the mark its instances' directories carry
 * ({@code maker}: only what it marked is ever deleted), and the passwords of the two accounts the
 * manager does not use (replication, monitoring), which exist on every member.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MetaGroupSpec(
        @JsonProperty("name") String name,
        @JsonProperty("members") List<Member> members,
        @JsonProperty("datadir") String datadir,
        @JsonProperty("port") int port,
        @JsonProperty("buffer_pool_mb") int bufferPoolMb,
        @JsonProperty("client_networks") List<String> clientNetworks,
        @JsonProperty("maker") String maker,
        @JsonProperty("replication_password") String replicationPassword,
        @JsonProperty("monitoring_password") String monitoringPassword) {

    public MetaGroupSpec {
        members = List.copyOf(members);
        clientNetworks = clientNetworks == null ? List.of() : List.copyOf(clientNetworks);
    }

    /** One member: its machine and its SQL port. */
    public record Member(@JsonProperty("hostaddr") String hostaddr, @JsonProperty("port") int port) {
        /** {@code hostaddr:port}, as messages and the JDBC URL name it. */
        public String address() {
            return hostaddr + ":" + port;
        }
    }

    public List<String> machines() {
        return members.stream().map(Member::hostaddr).toList();
    }

    /** A group of one member is a single server, without Galera. */
    public boolean replicated() {
        return members.size() > 1;
    }

    MetaGroupSpec withMembers(List<Member> newMembers) {
        return new MetaGroupSpec(name, newMembers, datadir, port, bufferPoolMb, clientNetworks, maker,
                replicationPassword, monitoringPassword);
    }
}
