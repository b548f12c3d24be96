package io.kunlun.testkit.meta;

import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.HaMode;
import io.kunlun.model.MetaNode;
import io.kunlun.model.MetaStoreInfo;
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

/** A metadata store on a GTID primary with one replica: get_meta_mode and get_meta say rbr and list both. */
class PrimaryReplicaMetadataStoreTest {
    private static MariaDbTestServer primary;
    private static MariaDbTestServer replica;

    @TempDir
    Path home;

    private final List<MetadataStore> opened = new ArrayList<>();

    @BeforeAll
    static void startPrimaryAndReplica() {
        primary = MariaDbTestServer.start("127.0.0.41");
        replica = MariaDbTestServer.startReplica("127.0.0.42", primary);
    }

    @AfterAll
    static void stopServers() {
        for (MariaDbTestServer server : new MariaDbTestServer[] {replica, primary}) {
            if (server != null) {
                server.close();
            }
        }
    }

    @AfterEach
    void closeStores() {
        opened.forEach(MetadataStore::close);
    }

    @Test
    void aStoreOnThePrimaryIsRbrListingThePrimaryThenTheReplica() {
        MetaStoreInfo info = open(primary).describe();

        assertThat(info.mode()).isEqualTo(HaMode.RBR);
        assertThat(info.nodes()).containsExactly(node(primary), node(replica));
    }

    @Test
    void aStoreOnTheReplicaIsRbrListingThePrimaryThenTheReplica() {
        open(primary);
        replica.awaitReplicationOf(primary);

        MetaStoreInfo info = open(replica).describe();

        assertThat(info.mode()).isEqualTo(HaMode.RBR);
        assertThat(info.nodes()).containsExactly(node(primary), node(replica));
    }

    private static MetaNode node(MariaDbTestServer server) {
        return new MetaNode(server.address(), server.port());
    }

    private MetadataStore open(MariaDbTestServer server) {
        MetadataStore store = MetadataStore.open(new MetadataConfig(server.jdbcUrl(), server.user(), server.password()),
                home, new MetaNode("127.0.0.1", 57000));
        opened.add(store);
        return store;
    }
}
