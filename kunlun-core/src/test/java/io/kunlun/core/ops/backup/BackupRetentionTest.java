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
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/**
 * Which backups the retention deletes: beyond the newest N, or older than the days; never the newest;
 * never one a restore reads.
 */
class BackupRetentionTest {
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-12-10T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path root;
    private final Hosts hosts = new Hosts(ManagerConfig.SshConfig.defaults());
    private final BackupReads reads = new BackupReads();

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

    private BackupRetention retention(DirectoryBackupStore store, Integer keepBackups, Integer keepDays) {
        return new BackupRetention(store, new BinlogArchive(new LocalHost("127.0.0.1"), root.toString(),
                "mariadb-binlog", ZoneId.of("UTC")), new BackupConfig.Retention(keepBackups, keepDays), NOW, reads);
    }

    private List<String> expired(DirectoryBackupStore store, Integer keepBackups, Integer keepDays) {
        return retention(store, keepBackups, keepDays).expired("c1").stream().map(BackupManifest::backupId).toList();
    }

    private static List<String> ids(List<BackupManifest> backups) {
        return backups.stream().map(BackupManifest::backupId).toList();
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

    @Test
    void aBackupARestoreReadsIsKeptNamingTheRestoreJobAndTheOthersAreDeleted() {
        DirectoryBackupStore store = storeWith("20261201T000000Z", "20261202T000000Z", "20261203T000000Z");
        List<BackupManifest> backups = store.list(Optional.of("c1"));
        reads.choose("restore-job", () -> backups.get(0));

        BackupRetention.Deletion deletion = retention(store, 1, null).delete("c1", backups.subList(0, 2));

        assertThat(deletion.beingRead()).containsExactly(entry(backups.get(0), "restore-job"));
        assertThat(ids(store.list(Optional.of("c1")))).containsExactly("20261201T000000Z", "20261203T000000Z");
        assertThat(BackupReads.beingRead(backups.get(0), "restore-job")).isEqualTo("backup 20261201T000000Z of"
                + " cluster c1 is being read by restore job restore-job; delete it once that job ended");
    }

    @Test
    void aBackupIsDeletedOnceTheRestoreReadingItReleasedIt() {
        DirectoryBackupStore store = storeWith("20261201T000000Z", "20261202T000000Z");
        List<BackupManifest> backups = store.list(Optional.of("c1"));
        reads.choose("restore-job", () -> backups.get(0));
        reads.release("restore-job");

        BackupRetention.Deletion deletion = retention(store, 1, null).delete("c1", backups.subList(0, 1));

        assertThat(deletion.beingRead()).isEmpty();
        assertThat(ids(store.list(Optional.of("c1")))).containsExactly("20261202T000000Z");
    }
}
