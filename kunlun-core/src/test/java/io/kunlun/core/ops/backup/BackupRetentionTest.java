package io.kunlun.core.ops.backup;

import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.backup.DirectoryBackupStore;
import io.kunlun.core.backup.binlog.BinlogArchive;
import io.kunlun.core.config.BackupConfig;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.hosts.LocalHost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which backups the retention deletes: beyond the newest N, or older than the days; never the newest. */
class BackupRetentionTest {
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-12-10T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path root;
    private final Hosts hosts = new Hosts(ManagerConfig.SshConfig.defaults());

    @AfterEach
    void closeHosts() {
        hosts.close();
    }

    private DirectoryBackupStore storeWith(String... backupIds) {
        DirectoryBackupStore store = new DirectoryBackupStore(hosts, "127.0.0.1", root.toString());
        for (String id : backupIds) {
            io.kunlun.core.backup.CommittedBackups.committed(store, "c1", id);
        }
        return store;
    }

    private List<String> expired(DirectoryBackupStore store, Integer keepBackups, Integer keepDays) {
        return new BackupRetention(store, new BinlogArchive(new LocalHost("127.0.0.1"), root.toString(),
                "mariadb-binlog", ZoneId.of("UTC")), new BackupConfig.Retention(keepBackups, keepDays), NOW)
                .expired("c1").stream().map(BackupManifest::backupId).toList();
    }

    @Test
    void keepBackupsDeletesAllButTheNewestN() {
        DirectoryBackupStore store = storeWith("20261201T000000Z", "20261202T000000Z", "20261203T000000Z");

        assertThat(expired(store, 2, null)).containsExactly("20261201T000000Z");
    }

    @Test
    void keepDaysDeletesTheOlderOnesButNeverTheNewest() {
        DirectoryBackupStore store = storeWith("20261101T000000Z", "20261102T000000Z", "20261208T000000Z");

        assertThat(expired(store, null, 5)).containsExactly("20261101T000000Z", "20261102T000000Z");
        DirectoryBackupStore old = new DirectoryBackupStore(hosts, "127.0.0.1", root.toString());
        assertThat(expired(old, null, 1)).as("the newest stays however old").doesNotContain("20261208T000000Z");
    }

    @Test
    void noRuleKeepsEverything() {
        DirectoryBackupStore store = storeWith("20261101T000000Z", "20261102T000000Z");

        assertThat(expired(store, null, null)).isEmpty();
    }
}
