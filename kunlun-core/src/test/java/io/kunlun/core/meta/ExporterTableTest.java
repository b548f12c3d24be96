package io.kunlun.core.meta;

import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.core.meta.ExporterTable.Exporter;
import io.kunlun.core.meta.ExporterTable.Kind;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.MetaNode;
import io.kunlun.model.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ExporterTableTest {
    private static final Exporter EXPORTER = new Exporter("127.0.0.3", 9104, Kind.MYSQLD, "127.0.0.3", 57001,
            "cluster1", Optional.of("shard1"), Optional.empty(), Optional.of(Role.PRIMARY));

    @TempDir
    Path home;
    private MetadataStore store;

    @BeforeEach
    void open() {
        store = MetadataStore.open(MetadataConfig.embedded(), home, new MetaNode("127.0.0.1", 57000));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void anInsertedExporterIsListed() {
        assertThat(store.exporters().insert(EXPORTER)).isTrue();

        assertThat(store.exporters().list()).containsExactly(EXPORTER);
    }

    @Test
    void aSecondExporterAtTheSameAddressIsRefused() {
        store.exporters().insert(EXPORTER);

        assertThat(store.exporters().insert(new Exporter("127.0.0.3", 9104, Kind.POSTGRES, "127.0.0.3", 57005,
                "cluster1", Optional.empty(), Optional.of("comp1"), Optional.empty()))).isFalse();
        assertThat(store.exporters().list()).containsExactly(EXPORTER);
    }

    @Test
    void aDeletedExporterIsNoLongerListed() {
        store.exporters().insert(EXPORTER);

        assertThat(store.exporters().delete("127.0.0.3", 9104)).isTrue();
        assertThat(store.exporters().list()).isEmpty();
        assertThat(store.exporters().delete("127.0.0.3", 9104)).isFalse();
    }

    @Test
    void theRoleListedIsTheInstancesCurrentOne() {
        store.exporters().insert(EXPORTER);
        store.clusters().insertInstance(new Instance("127.0.0.3", 57001, "cluster1", InstanceKind.STORAGE,
                Optional.of("shard1"), Optional.empty(), Optional.of(Role.REPLICA), InstanceStatus.ACTIVE, 0, 0,
                "/d", "/l", "/w", ""));

        assertThat(store.exporters().list()).extracting(Exporter::role).containsExactly(Optional.of(Role.REPLICA));
    }
}
