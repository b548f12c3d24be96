package io.kunlun.core.ops.topology;

import io.kunlun.core.ops.clusters.ClusterAccountsTest;
import io.kunlun.model.job.WireFormat;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RevokeNetworkTest {
    @Test
    void aGrantRecordedInTheUndoLogReadsBackWhole() throws Exception {
        RevokeNetwork.Grant grant = new RevokeNetwork.Grant("10.0.0.6/32",
                List.of(ClusterAccountsTest.storage("127.0.0.2"), ClusterAccountsTest.comp("10.0.0.5")),
                List.of("kunlun_admin", "kunlun_repl", "kunlun_monitor"));

        String recorded = WireFormat.json().writeValueAsString(grant);

        assertThat(WireFormat.json().readValue(recorded, RevokeNetwork.Grant.class)).isEqualTo(grant);
    }
}
