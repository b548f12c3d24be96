package io.kunlun.core.ops.backup;

import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.CommittedBackups;
import io.kunlun.core.backup.DirectoryBackupStore;
import io.kunlun.core.backup.binlog.BinlogArchive;
import io.kunlun.core.config.BackupConfig;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.hosts.LocalHost;
import io.kunlun.core.jobs.JobEngine;
import io.kunlun.core.jobs.UndoActions;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.MetaNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The leader's retention passes on a real store directory and a real job engine (H2): every
 * cluster the store holds backups of is pruned, whether or not it still exists or takes backups,
 * except one whose lock a job holds, which the next pass prunes.
 */
class RetentionPassesTest {
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-12-10T00:00:00Z"), ZoneOffset.UTC);
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path home;
    @TempDir
    Path root;

    private final Hosts hosts = new Hosts(ManagerConfig.SshConfig.defaults());
    private final List<AutoCloseable> opened = new ArrayList<>();
    private DirectoryBackupStore store;
    private JobEngine engine;
    private RetentionPasses passes;

    @BeforeEach
    void storeAndEngine() {
        opened.add(hosts);
        store = new DirectoryBackupStore(hosts, "127.0.0.1", root.toString());
        for (String cluster : List.of("kept_busy", "gone")) {
            for (String id : List.of("20261201T000000Z", "20261202T000000Z", "20261203T000000Z")) {
                CommittedBackups.committed(store, cluster, id);
            }
        }
        MetadataStore metadata = MetadataStore.open(ManagerConfig.MetadataConfig.embedded(), home,
                new MetaNode("127.0.0.1", 57000));
        opened.add(metadata);
        engine = new JobEngine(metadata.jobs(), List.of(), new UndoActions(List.of()),
                new JobEngine.Settings(2, Duration.ofMillis(300), Duration.ofSeconds(1), Duration.ofDays(90), 100_000));
        opened.add(engine);
        engine.recover();
        BackupRetention retention = new BackupRetention(store, new BinlogArchive(new LocalHost("127.0.0.1"),
                root.toString(), "mariadb-binlog", ZoneId.of("UTC")), new BackupConfig.Retention(1, null), NOW,
                new BackupReads());
        passes = new RetentionPasses(retention, engine);
        opened.add(passes);
    }

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(opened);
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
    }

    private List<String> ids(String cluster) {
        return store.list(Optional.of(cluster)).stream().map(BackupManifest::backupId).toList();
    }

    @Test
    void aPassPrunesEveryClusterInTheStoreWithoutANewBackup() {
        passes.pass();

        assertThat(ids("kept_busy")).containsExactly("20261203T000000Z");
        assertThat(ids("gone")).containsExactly("20261203T000000Z");
    }

    @Test
    void aClusterWhoseLockIsHeldIsLeftAsItIsAndPrunedByTheNextPass() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread job = new Thread(() -> engine.runIfIdle(DeleteBackup.lockKey("kept_busy"), () -> {
            holding.countDown();
            await(done);
        }));
        job.start();
        assertThat(holding.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        passes.pass();

        assertThat(ids("kept_busy")).hasSize(3);
        assertThat(ids("gone")).containsExactly("20261203T000000Z");
        done.countDown();
        job.join(TIMEOUT.toMillis());
        passes.pass();
        assertThat(ids("kept_busy")).containsExactly("20261203T000000Z");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
