package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The instance account owns its instances' directories, so it can plant symbolic links where
 * the manager (root) writes next. Whatever it plants, a file only root may change stays as it
 * was: real instances on 127.0.0.200.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlantedLinksTest {
    private static final String ADDRESS = "127.0.0.200";
    private static final String ROOTS_SECRET = "root's own file\n";

    private final ClusterUsers users = EngineFixture.users();
    private EngineFixture machine;
    private InstanceAccount account;
    private StorageNode storage;
    private ComputeNode comp;
    private Path rootsFile;

    @BeforeAll
    void installOneInstanceOfEach() {
        machine = new EngineFixture(ADDRESS);
        account = InstanceAccount.resolve(machine.host, EngineFixture.CONFIG.instanceAccount());
        storage = machine.storageNode();
        machine.storage.install(machine.standalone(storage, users));
        comp = machine.computeNode();
        machine.compute.install(machine.computeInstall(comp, users));
    }

    @AfterAll
    void removeEverything() {
        machine.close();
    }

    @BeforeEach
    void aFileOnlyRootMayReadAndWrite() throws IOException {
        rootsFile = machine.root.resolve("roots-file-" + System.nanoTime());
        Files.writeString(rootsFile, ROOTS_SECRET);
        Files.setPosixFilePermissions(rootsFile, PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aLinkAtTheTemporaryNameOfMyCnfDoesNotLeadTheManagerToRootsFile() throws IOException {
        plantLink(storage.layout().configFile() + ".kunlun-tmp", rootsFile);

        machine.storage.setVariable(storage, "max_connections", "123", true);

        assertUntouched(rootsFile);
        Path configFile = Path.of(storage.layout().configFile());
        assertThat(Files.isSymbolicLink(configFile)).isFalse();
        assertThat(Files.readString(configFile)).contains("max_connections = 123");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(configFile))).isEqualTo("rw-------");
    }

    @Test
    void myCnfReplacedByALinkToRootsFileIsNotReadAsRoot() throws IOException {
        String configFile = storage.layout().configFile();
        String kept = machine.host.readFile(configFile);
        plantLink(configFile, rootsFile);
        try {
            assertThatThrownBy(() -> machine.storage.setVariable(storage, "max_connections", "124", true))
                    .isInstanceOf(ManagerException.class)
                    .hasMessageContaining("cat: " + configFile + ": Permission denied");

            assertUntouched(rootsFile);
        } finally {
            account.writeFile(machine.host, configFile, kept);
        }
    }

    @Test
    void aLinkAtTheTemporaryNameOfPgHbaConfDoesNotLeadTheManagerToRootsFile() throws IOException {
        String hbaConf = comp.layout().dataDir() + "/pg_hba.conf";
        plantLink(hbaConf + ".kunlun-tmp", rootsFile);

        machine.compute.allowNetwork(comp, "10.30.0.0/16");

        assertUntouched(rootsFile);
        assertThat(Files.isSymbolicLink(Path.of(hbaConf))).isFalse();
        assertThat(Files.readString(Path.of(hbaConf))).contains("host all all 10.30.0.0/16 scram-sha-256");
    }

    @Test
    void aLinkPlantedAtTheInstanceDirectoryInARootTheAccountOwnsIsRefusedAndNothingIsMadeThrough() throws IOException {
        Path ownedRoot = rootTheAccountOwns("owned");
        Path rootsDirectory = Files.createDirectory(machine.root.resolve("roots-directory-" + System.nanoTime()));
        StorageNode node = nodeUnder(ownedRoot);
        machine.host.check(account.command(List.of("mkdir", "-p", "--", ownedRoot + "/instance_data/data_dir_path")));
        plantLink(node.layout().instanceDir(), rootsDirectory);

        assertThatThrownBy(() -> machine.storage.install(machine.standalone(node, users)))
                .isInstanceOf(ManagerException.class)
                .hasMessage(node.label() + ": " + node.layout().instanceDir() + " is a symbolic link (to "
                        + rootsDirectory + "); below the machine's root " + ownedRoot
                        + " the manager creates directories through no link");

        assertUntouchedDirectory(rootsDirectory);
    }

    @Test
    void aLinkPlantedAtAParentOfTheInstanceDirectoryIsRefusedNamingIt() throws IOException {
        Path ownedRoot = rootTheAccountOwns("owned-log");
        Path rootsDirectory = Files.createDirectory(machine.root.resolve("roots-directory-" + System.nanoTime()));
        int first = machine.freePorts(StoragePorts.COUNT);
        StorageNode node = new StorageNode(machine.host, StoragePorts.from(first),
                StorageLayout.under(machine.root + "/data", ownedRoot.toString(), machine.root + "/wal", first), "");
        Path instanceData = ownedRoot.resolve("instance_data");
        plantLink(instanceData.toString(), rootsDirectory);

        assertThatThrownBy(() -> machine.storage.install(machine.standalone(node, users)))
                .isInstanceOf(ManagerException.class)
                .hasMessage(node.label() + ": " + instanceData + " is a symbolic link (to " + rootsDirectory
                        + "); below the machine's root " + ownedRoot + " the manager creates directories through no link");

        assertUntouchedDirectory(rootsDirectory);
    }

    @Test
    void inARootTheAccountOwnsTheAccountMakesTheInstancesDirectories() throws IOException {
        Path ownedRoot = rootTheAccountOwns("owned-comp");
        int port = machine.freePorts(1);
        ComputeNode node = new ComputeNode(machine.host, port, ComputeLayout.under(ownedRoot.toString(), port), "");

        machine.compute.install(machine.computeInstall(node, users));
        try {
            for (Path made : List.of(ownedRoot.resolve("instance_data"), ownedRoot.resolve("instance_data/comp_datadir"),
                    Path.of(node.layout().instanceDir()))) {
                assertThat(Files.getOwner(made, LinkOption.NOFOLLOW_LINKS).getName()).isEqualTo(account.name());
            }
        } finally {
            machine.compute.remove(node, EngineFixture.MAKER);
        }
    }

    @Test
    void removingAnInstanceGoesThroughNoLinkTheAccountPlantedAboveItsDirectories() throws IOException {
        Path ownedRoot = rootTheAccountOwns("owned-rm");
        int first = machine.freePorts(StoragePorts.COUNT);
        StorageNode node = new StorageNode(machine.host, StoragePorts.from(first),
                StorageLayout.under(machine.root + "/data", ownedRoot.toString(), machine.root + "/wal", first), "");
        machine.storage.install(machine.standalone(node, users));
        Path rootsDirectory = Files.createDirectory(machine.root.resolve("roots-directory-" + System.nanoTime()));
        Path rootsPrecious = Files.createDirectories(rootsDirectory.resolve("log_dir_path/" + first));
        Files.writeString(rootsPrecious.resolve("precious"), ROOTS_SECRET);
        Path instanceData = ownedRoot.resolve("instance_data");
        machine.host.check(account.command(List.of("mv", "--", instanceData.toString(), instanceData + ".moved")));
        plantLink(instanceData.toString(), rootsDirectory);
        try {
            assertThatThrownBy(() -> machine.storage.remove(node, EngineFixture.MAKER))
                    .isInstanceOf(ManagerException.class)
                    .hasMessage(node.label() + ": " + instanceData + " is a symbolic link (to " + rootsDirectory
                            + "); below the machine's root " + ownedRoot + " the manager deletes instances through no link");

            assertThat(Files.readString(rootsPrecious.resolve("precious"))).isEqualTo(ROOTS_SECRET);
        } finally {
            machine.host.check(account.command(List.of("rm", "--", instanceData.toString())));
            machine.host.check(account.command(List.of("mv", "--", instanceData + ".moved", instanceData.toString())));
            machine.storage.remove(node, EngineFixture.MAKER);
        }
        assertThat(Files.exists(Path.of(node.layout().instanceDir()))).isFalse();
        assertThat(Files.exists(Path.of(node.layout().binlogDir()))).isFalse();
    }

    private Path rootTheAccountOwns(String name) throws IOException {
        Path ownedRoot = Files.createDirectory(machine.root.resolve(name));
        machine.host.check(Command.of("chown", account.name() + ":" + account.group(), "--", ownedRoot.toString()));
        return ownedRoot;
    }

    private StorageNode nodeUnder(Path datadir) {
        int first = machine.freePorts(StoragePorts.COUNT);
        return new StorageNode(machine.host, StoragePorts.from(first),
                StorageLayout.under(datadir.toString(), machine.root + "/log", machine.root + "/wal", first), "");
    }

    /** Root's directory: still root's, and nothing was created in it. */
    private static void assertUntouchedDirectory(Path directory) throws IOException {
        assertThat(Files.getOwner(directory, LinkOption.NOFOLLOW_LINKS).getName()).isEqualTo("root");
        try (var entries = Files.list(directory)) {
            assertThat(entries).isEmpty();
        }
    }

    /** A symbolic link at {@code at}, made by the instance account in a directory it owns. */
    private void plantLink(String at, Path target) {
        machine.host.check(account.command(List.of("ln", "-sfn", "--", target.toString(), at)));
    }

    private static void assertUntouched(Path file) throws IOException {
        assertThat(Files.readString(file)).isEqualTo(ROOTS_SECRET);
        assertThat(Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).getName()).isEqualTo("root");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }
}
