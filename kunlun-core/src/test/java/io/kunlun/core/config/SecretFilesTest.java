package io.kunlun.core.config;

import io.kunlun.core.ClusterManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A file holding a secret is refused, like sshd and ssh refuse one, when group or others may access it. */
class SecretFilesTest {
    @TempDir
    Path directory;

    private Path file(String mode) throws Exception {
        Path file = Files.writeString(directory.resolve("secret"), "s3cret");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    @Test
    void aFileOthersMayReadIsRefusedNamingTheSettingTheFileAndItsMode() throws Exception {
        Path file = file("rw-r--r--");

        assertThatThrownBy(() -> SecretFiles.requirePrivate("server.tls.private_key", file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("server.tls.private_key: permissions 0644 for " + file + " are too open: it holds a"
                        + " secret, and accounts other than its owner may read or change it;"
                        + " make it private with: chmod 600 " + file);
    }

    @Test
    void aFileTheGroupMayWriteIsRefused() throws Exception {
        Path file = file("rw--w----");

        assertThatThrownBy(() -> SecretFiles.requirePrivate("ssh.private_key", file))
                .hasMessageStartingWith("ssh.private_key: permissions 0620 for " + file + " are too open");
    }

    @Test
    void aFileOfAnotherAccountIsRefusedNamingItsOwner() throws Exception {
        Path file = file("rw-------");
        Files.setOwner(file, file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("kunlun"));
        String me = System.getProperty("user.name");

        assertThatThrownBy(() -> SecretFiles.requirePrivate("server.tls.private_key", file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("server.tls.private_key: " + file + " belongs to kunlun, not to " + me + " (the account"
                        + " running the manager) or root: it holds a secret, and its owner may read or change it;"
                        + " give it to " + me + " with: chown " + me + " " + file);
    }

    @Test
    void aFileOnlyItsOwnerMayAccessPasses() throws Exception {
        Path file = file("rw-------");

        assertThatCode(() -> SecretFiles.requirePrivate("server.tls.private_key", file)).doesNotThrowAnyException();
    }

    @Test
    void aMissingFileIsLeftToWhatReadsIt() {
        assertThatCode(() -> SecretFiles.requirePrivate("server.tls.private_key", directory.resolve("absent")))
                .doesNotThrowAnyException();
    }

    @Test
    void theManagerDoesNotStartWithAnSshKeyOthersMayRead() throws Exception {
        Path key = file("rw-r-----");
        ManagerConfig config = ManagerConfig.defaults(directory.resolve("home"))
                .withSsh(new ManagerConfig.SshConfig(null, 0, key, null, false, 0, null));

        assertThatThrownBy(() -> ClusterManager.open(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ssh.private_key: permissions 0640 for " + key + " are too open");
        assertThat(directory.resolve("home")).doesNotExist();
    }
}
