package io.kunlun.testkit.meta;

import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.HaMode;
import io.kunlun.model.Machine;
import io.kunlun.model.MetaNode;
import io.kunlun.model.MetaStoreInfo;
import io.kunlun.testkit.mariadb.GaleraTestCluster;
import io.kunlun.testkit.mariadb.MariaDbTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A metadata store on a 3-node Galera cluster: get_meta_mode says mgr and get_meta lists the 3 nodes. */
class GaleraMetadataStoreTest {
    private static GaleraTestCluster cluster;

    @TempDir
    Path home;

    private final List<MetadataStore> opened = new ArrayList<>();

    @BeforeAll
    static void startCluster() {
        long started = System.nanoTime();
        cluster = MariaDbTestServer.startGaleraCluster(List.of("127.0.0.43", "127.0.0.44", "127.0.0.45"));
        System.out.printf("3-node Galera cluster started in %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void closeStores() {
        opened.forEach(MetadataStore::close);
    }

    @Test
    void aStoreOnTheClusterIsMgrListingEveryNode() {
        MetaStoreInfo info = open(cluster.jdbcUrl()).describe();

        assertThat(info.mode()).isEqualTo(HaMode.MGR);
        assertThat(info.nodes()).containsExactlyElementsOf(cluster.nodes().stream()
                .map(node -> new MetaNode(node.address(), node.port())).toList());
    }

    @Test
    void everyNodeTellsTheSame() {
        for (MariaDbTestServer node : cluster.nodes()) {
            MetaStoreInfo info = open(node.jdbcUrl()).describe();

            assertThat(info.mode()).isEqualTo(HaMode.MGR);
            assertThat(info.nodes()).hasSize(3);
        }
    }

    @Test
    void whatOneNodeStoresAnotherReads() {
        Machine machine = new Machine("127.0.0.2", "rack1", List.of("/data"), List.of("/log"), List.of("/wal"),
                List.of("/comp"), 4096, 8);
        List<MariaDbTestServer> nodes = cluster.nodes();

        open(nodes.get(0).jdbcUrl()).machines().insert(machine, List.of());

        assertThat(open(nodes.get(2).jdbcUrl()).machines().find("127.0.0.2")).contains(machine);
    }

    private MetadataStore open(String jdbcUrl) {
        MariaDbTestServer first = cluster.nodes().get(0);
        MetadataStore store = MetadataStore.open(new MetadataConfig(jdbcUrl, first.user(), first.password()),
                home, new MetaNode("127.0.0.1", 57000));
        opened.add(store);
        return store;
    }
}
