package io.kunlun.testkit.secrets;

import io.kunlun.core.ClusterManager;
import io.kunlun.testkit.TestPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** The home holds the embedded store's cluster passwords: only the manager's account may enter it. */
class ManagerHomeTest {
    @TempDir
    Path parent;

    @Test
    void aNewHomeAndItsMetaDirectoryAreCreatedOwnerOnly() throws Exception {
        Path home = parent.resolve("home");

        try (ClusterManager ignored = ClusterManager.open(TestPorts.managerConfig(home))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home))).isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("meta"))))
                    .isEqualTo("rwx------");
        }
    }

    @Test
    void anExistingHomeOpenToOthersIsMadeOwnerOnly() throws Exception {
        Path home = Files.createDirectories(parent.resolve("home").resolve("meta")).getParent();
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(home.resolve("meta"), PosixFilePermissions.fromString("rwxrwxrwx"));

        try (ClusterManager ignored = ClusterManager.open(TestPorts.managerConfig(home))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home))).isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("meta"))))
                    .isEqualTo("rwx------");
        }
    }
}
