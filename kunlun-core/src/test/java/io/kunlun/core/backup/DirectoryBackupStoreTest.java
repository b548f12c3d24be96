package io.kunlun.core.backup;

import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.hosts.Hosts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The directory store on this machine, reached as a loopback machine is. */
class DirectoryBackupStoreTest {
    @TempDir
    Path root;
    private final Hosts hosts = new Hosts(ManagerConfig.SshConfig.defaults());

    @AfterEach
    void closeHosts() {
        hosts.close();
    }

    private DirectoryBackupStore store() {
        return new DirectoryBackupStore(hosts, "127.0.0.1", root.resolve("backups").toString());
    }

    @Test
    void discardDeletesTheJobsBackupAndTheClusterDirectoryItLeavesEmpty() {
        DirectoryBackupStore store = store();
        store.create("c1", "20261202T043107Z", "job-1");
        store.write("c1", "20261202T043107Z", "comp1/schema.sql", "CREATE TABLE t ();".getBytes(StandardCharsets.UTF_8));

        store.discard("c1", "20261202T043107Z", "job-1");

        assertThat(root.resolve("backups/c1")).doesNotExist();
        assertThat(root.resolve("backups")).isDirectory();
    }

    @Test
    void discardLeavesABackupAnotherJobMadeAndSaysSo() {
        DirectoryBackupStore store = store();
        store.create("c1", "20261202T043107Z", "job-1");

        assertThatThrownBy(() -> store.discard("c1", "20261202T043107Z", "job-2"))
                .hasMessage("cannot delete the partial backup 127.0.0.1:" + root.resolve("backups")
                        + "/c1/20261202T043107Z: it was not made by job job-2");
        assertThat(root.resolve("backups/c1/20261202T043107Z/.kunlun-job")).hasContent("job-1");
    }

    @Test
    void discardingWhatIsNotThereSucceeds() {
        store().discard("c1", "20261202T043107Z", "job-1");

        assertThat(root.resolve("backups")).doesNotExist();
    }

    @Test
    void onlyBackupsWithAManifestAreListed() throws Exception {
        DirectoryBackupStore store = store();
        store.create("c1", "20261202T040000Z", "job-1");
        StoredFile schema = store.write("c1", "20261202T040000Z", "comp1/schema.sql",
                "CREATE TABLE t ();".getBytes(StandardCharsets.UTF_8));
        store.commit(new BackupManifest(BackupManifest.FORMAT, "20261202T040000Z", "c1", "job-1",
                new BackupManifest.Spec("rbr", 1, 2, 1, 20, 100, 1, 1), "2026-12-02T04:00:00Z",
                "2026-12-02T04:00:09Z", "2026-12-02T04:00:08Z", "2026-12-02 04:00:08", List.of(),
                List.of(new BackupManifest.CompSchema("comp1", "127.0.0.2:57030", "kunlun", schema, schema))));
        store.create("c1", "20261202T050000Z", "job-2");

        List<BackupManifest> listed = store.list(Optional.of("c1"));

        assertThat(listed).extracting(BackupManifest::backupId).containsExactly("20261202T040000Z");
        assertThat(store.list(Optional.empty())).extracting(BackupManifest::backupId).containsExactly("20261202T040000Z");
        assertThat(schema.bytes()).isEqualTo(18);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
                root.resolve("backups/c1/20261202T040000Z/manifest.json")))).isEqualTo("rw-------");
    }

    @Test
    void aStoreWhereAFileIsIsNotWritable() throws Exception {
        Files.writeString(root.resolve("backups"), "a file");

        assertThatThrownBy(() -> store().requireWritable())
                .hasMessage("backup store 127.0.0.1:" + root.resolve("backups") + " is not a writable directory");
    }

    @Test
    void aStoreInADirectoryOtherAccountsCanWriteInIsRefused() throws Exception {
        Path open = Files.createDirectory(root.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        DirectoryBackupStore store = new DirectoryBackupStore(hosts, "127.0.0.1", open.resolve("backups").toString());

        assertThatThrownBy(store::requireWritable)
                .hasMessage("backup store 127.0.0.1:" + open.resolve("backups") + " is not safe to write in: " + open
                        + " is writable by other accounts (mode 777); another account could put a link there."
                        + " Give the store a path whose directories belong to root or to the manager's account"
                        + " and are not writable by others");
    }

    @Test
    void aStoreReachedThroughAnotherAccountsLinkIsRefused() throws Exception {
        Path elsewhere = Files.createDirectory(root.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(root.resolve("backups"), elsewhere);
        // Planted by the account the instances run as.
        Files.getFileAttributeView(link, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setOwner(link.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("kunlun"));

        assertThatThrownBy(() -> store().requireWritable())
                .hasMessageStartingWith("backup store 127.0.0.1:" + link + " is not safe to write in: " + link
                        + " is a link owned by uid ");
        assertThat(elsewhere).isEmptyDirectory();
    }

    @Test
    void aCopyKeptAsideIsMadeUnderTheClustersReplacedDirectoryAndListedNeitherAsABackupNorBesideThem() {
        DirectoryBackupStore store = store();
        CommittedBackups.committed(store, "c1", "20261202T040000Z");
        CommittedBackups.committed(store.keptAside(), "c1", "20261202T050000Z");

        assertThat(root.resolve("backups/c1/replaced/20261202T050000Z/manifest.json")).isRegularFile();
        assertThat(store.keptAside().location("c1", "20261202T050000Z"))
                .isEqualTo("127.0.0.1:" + root.resolve("backups/c1/replaced/20261202T050000Z"));
        assertThat(store.list(Optional.of("c1"))).extracting(BackupManifest::backupId)
                .containsExactly("20261202T040000Z");
        assertThat(store.list(Optional.empty())).extracting(BackupManifest::backupId)
                .containsExactly("20261202T040000Z");
        assertThat(store.keptAside().list(Optional.empty())).extracting(BackupManifest::backupId)
                .containsExactly("20261202T050000Z");
    }

    @Test
    void discardingAnIncompleteCopyKeptAsideDeletesItAndTheDirectoriesItLeavesEmpty() {
        DirectoryBackupStore keptAside = store().keptAside();
        keptAside.create("c1", "20261202T050000Z", "job-1");

        keptAside.discardIncomplete("c1", "20261202T050000Z", "job-1");

        assertThat(root.resolve("backups/c1")).doesNotExist();
    }

    @Test
    void aCompleteCopyKeptAsideOutlivesTheUndoOfItsJob() {
        DirectoryBackupStore keptAside = store().keptAside();
        CommittedBackups.committed(keptAside, "c1", "20261202T050000Z");

        keptAside.discardIncomplete("c1", "20261202T050000Z", "job-20261202T050000Z");

        assertThat(root.resolve("backups/c1/replaced/20261202T050000Z/manifest.json")).isRegularFile();
    }

    @Test
    void theFreeSpaceIsReadAtTheNearestDirectoryThatExists() {
        assertThat(store().freeBytes()).isPositive().isLessThanOrEqualTo(root.toFile().getTotalSpace());
    }

    @Test
    void deleteRemovesTheBackupWhoseManifestNamesThatClusterAndId() {
        DirectoryBackupStore store = store();
        BackupManifest kept = CommittedBackups.committed(store, "c1", "20261202T040000Z");
        BackupManifest doomed = CommittedBackups.committed(store, "c1", "20261202T050000Z");

        store.delete(doomed);

        assertThat(root.resolve("backups/c1/20261202T050000Z")).doesNotExist();
        assertThat(store.list(Optional.of("c1"))).extracting(BackupManifest::backupId).containsExactly(kept.backupId());
    }

    @Test
    void deleteRefusesADirectoryHoldingAnotherBackupsManifest() throws Exception {
        DirectoryBackupStore store = store();
        BackupManifest other = CommittedBackups.committed(store, "c1", "20261202T040000Z");
        Path moved = root.resolve("backups/c1/20261202T050000Z");
        Files.move(root.resolve("backups/c1/20261202T040000Z"), moved);
        BackupManifest named = new BackupManifest(other.format(), "20261202T050000Z", "c1", other.jobId(), other.spec(),
                other.startedAt(), other.endedAt(), other.consistentAt(), other.backupTime(), other.shards(), other.comps());

        assertThatThrownBy(() -> store.delete(named)).hasMessage("127.0.0.1:" + root.resolve("backups")
                + "/c1/20261202T050000Z holds the manifest of backup 20261202T040000Z of cluster c1");
        assertThat(moved.resolve("manifest.json")).exists();
    }
}
