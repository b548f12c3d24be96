package io.kunlun.core.monitor;

import io.kunlun.core.Caller;
import io.kunlun.core.ClusterManager;
import io.kunlun.core.config.HealingConfig;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.meta.ClusterTable.Credential;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.ClusterSpec;
import io.kunlun.model.HaMode;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Machine;
import io.kunlun.model.MetaNode;
import io.kunlun.model.job.WireFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * healing.monitor: on (the default) the leader's health rounds record what they find; off, no
 * round runs, so a status recorded as active stands although no server runs. A comp recorded
 * active on 127.0.0.2 (this machine, where no such server runs) tells the two apart; rounds are
 * 1 s apart.
 */
class HealthMonitorSwitchTest {
    private static final long ROUNDS_WAITED_MILLIS = 3_000;
    private static final long FINDING_PATIENCE_MILLIS = 30_000;

    @TempDir
    Path home;

    @BeforeEach
    void recordAnActiveCompWhoseServerDoesNotRun() {
        try (MetadataStore store = MetadataStore.open(ManagerConfig.defaults(home).metadata(), home,
                new MetaNode("127.0.0.1", 57000))) {
            store.machines().insert(new Machine("127.0.0.2", "1", List.of("/d"), List.of("/l"), List.of("/w"),
                    List.of("/c"), 4096, 8), List.of());
            store.clusters().insertCluster("c1", new ClusterSpec(HaMode.RBR, 2, 20, 100, 1, 1), "create-c1",
                    List.of(new Credential("admin", "kunlun_admin", "secret")));
            store.clusters().insertInstance(new Instance("127.0.0.2", 57030, "c1", InstanceKind.COMP, Optional.empty(),
                    Optional.of("comp1"), Optional.empty(), InstanceStatus.ACTIVE, 0, 0, "/c/57030", "/c/57030/log",
                    "", ""));
        }
    }

    @Test
    void withTheMonitorOnAnActiveCompWhoseServerDoesNotRunIsFoundUnreachable() throws InterruptedException {
        try (ClusterManager manager = ClusterManager.open(ManagerConfig.defaults(home))) {
            long deadline = System.currentTimeMillis() + FINDING_PATIENCE_MILLIS;
            while (!compStatus(manager).equals("unreachable") && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertThat(compStatus(manager)).isEqualTo("unreachable");
        }
    }

    @Test
    void withTheMonitorOffItsStatusStandsAndNothingIsProbed() throws InterruptedException {
        ManagerConfig config = ManagerConfig.defaults(home).withHealing(new HealingConfig(null, null, 0, 0, 0, false));
        try (ClusterManager manager = ClusterManager.open(config)) {
            Thread.sleep(ROUNDS_WAITED_MILLIS);

            assertThat(compStatus(manager)).isEqualTo("active");
        }
    }

    @SuppressWarnings("unchecked")
    private static String compStatus(ClusterManager manager) {
        Map<String, Object> reply = manager.handle(WireFormat.parse("{\"job_type\":\"get_computer\",\"cluster_name\":\"c1\"}"
                .getBytes(StandardCharsets.UTF_8)), Caller.ANONYMOUS);
        return (String) ((Map<String, Object>) reply.get("computer0")).get("status");
    }
}
