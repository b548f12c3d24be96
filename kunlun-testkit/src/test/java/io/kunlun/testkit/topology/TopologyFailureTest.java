package io.kunlun.testkit.topology;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.core.engines.ComputeEngine;
import io.kunlun.core.engines.ComputeLayout;
import io.kunlun.core.engines.ComputeNode;
import io.kunlun.core.engines.EngineConfig;
import io.kunlun.core.hosts.LocalHost;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.createdCluster;
import static io.kunlun.testkit.cluster.ClusterFixture.query;
import static io.kunlun.testkit.topology.TopologyFixture.addShards;
import static io.kunlun.testkit.topology.TopologyFixture.assertDeleted;
import static io.kunlun.testkit.topology.TopologyFixture.comp;
import static io.kunlun.testkit.topology.TopologyFixture.foreignServers;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An add_shards that fails part way leaves the cluster as it was: the same getters' answers, the
 * same foreign servers on its comps, nothing of the new shard on the machines.
 */
class TopologyFailureTest {
    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.91", "127.0.0.92");
    static LoopbackMachine clusterMachine;
    static LoopbackMachine newShardMachine;

    @BeforeAll
    static void registerMachines() {
        clusterMachine = loopback.take();
        newShardMachine = loopback.take();
        ClusterFixture.register(manager, List.of(clusterMachine, newShardMachine));
    }

    @Test
    void aShardWhoseDataDirectoryCannotBeMadeIsTakenBack() throws Exception {
        String cluster = createdCluster(manager.client(), "no_rep", 1, 1, 2, List.of(clusterMachine));
        String before = getters(cluster);
        Path blocker = newShardMachine.datadir().resolve("instance_data");
        Files.writeString(blocker, "in the way");
        try {
            Reply failed = addShards(manager, cluster, 1, List.of(newShardMachine));

            assertThat(failed.result()).isEqualTo("failed");
            assertThat(failed.info()).startsWith("shard2 node " + newShardMachine.hostaddr() + ":")
                    .contains(": " + newShardMachine.datadir() + "/instance_data exists and is not a directory")
                    .endsWith("; rolled back");
            assertAsItWas(cluster, before);
        } finally {
            Files.delete(blocker);
        }
        assertDeleted(manager, cluster);
    }

    @Test
    void aCompThatCannotLinkTheNewShardMakesTheOtherCompsUnlinkIt() throws Exception {
        String cluster = createdCluster(manager.client(), "no_rep", 1, 1, 2, List.of(clusterMachine));
        String before = getters(cluster);
        asSuperuser(cluster, comp(manager, cluster, "comp2"), """
                CREATE FUNCTION refuse_servers() RETURNS event_trigger LANGUAGE plpgsql
                    AS $$ BEGIN RAISE EXCEPTION 'no new servers on this comp'; END $$;
                CREATE EVENT TRIGGER refuse_servers ON ddl_command_start WHEN TAG IN ('CREATE SERVER')
                    EXECUTE FUNCTION refuse_servers();
                """);

        Reply failed = addShards(manager, cluster, 1, List.of(newShardMachine));

        assertThat(failed.result()).isEqualTo("failed");
        assertThat(failed.info()).startsWith("comp2 ").contains("no new servers on this comp")
                .endsWith("; rolled back");
        assertAsItWas(cluster, before);
        assertDeleted(manager, cluster);
    }

    /** get_cluster, get_storage and get_computer's answers about the cluster. */
    private static String getters(String cluster) {
        JsonNode clusters = query(manager, "get_cluster", null);
        StringBuilder answers = new StringBuilder();
        clusters.forEach(entry -> {
            if (entry.get("name").asText().equals(cluster)) {
                answers.append(entry);
            }
        });
        return answers.append(query(manager, "get_storage", cluster)).append(query(manager, "get_computer", cluster))
                .toString();
    }

    private static void assertAsItWas(String cluster, String gettersBefore) throws Exception {
        assertThat(getters(cluster)).isEqualTo(gettersBefore);
        for (String comp : List.of("comp1", "comp2")) {
            assertThat(foreignServers(comp(manager, cluster, comp))).as(comp).containsExactly("shard1");
        }
        for (Path root : List.of(newShardMachine.datadir(), newShardMachine.logdir(), newShardMachine.walLogDir())) {
            Path instances = root.resolve("instance_data");
            if (Files.isDirectory(instances)) {
                try (var walk = Files.walk(instances)) {
                    assertThat(walk.filter(dir -> dir.getFileName().toString().matches("[0-9]+")).toList())
                            .as("instance directories under " + root).isEmpty();
                }
            }
        }
    }

    /** SQL on a comp as its superuser (the cluster's account), which the cluster's admin is not. */
    private static void asSuperuser(String cluster, JsonNode comp, String sql) {
        int port = comp.get("port").asInt();
        LoopbackMachine machine = comp.get("ip").asText().equals(clusterMachine.hostaddr()) ? clusterMachine
                : newShardMachine;
        try (LocalHost host = new LocalHost(comp.get("ip").asText())) {
            ComputeNode node = new ComputeNode(host, port, ComputeLayout.under(machine.compDatadir().toString(), port),
                    manager.osAccount(cluster));
            new ComputeEngine(EngineConfig.defaults()).client(node, "kunlun").execute(sql);
        }
    }
}
