package io.kunlun.core.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files the configuration names that hold a secret (a TLS private key or keystore, the SSH key,
 * a configuration file with a token or password in it). Like sshd and ssh, the manager refuses to
 * start when such a file is open to group or others: whoever may read it holds the secret, and
 * whoever may write it chooses the key the manager trusts.
 */
public final class SecretFiles {
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private SecretFiles() {
    }

    /**
     * Refuses {@code file} when group or others have any access to it, or when it belongs to an
     * account other than the one running the manager or root, naming the setting, the file and
     * its mode or owner. A file that does not exist passes: reading it reports that.
     */
    public static void requirePrivate(String setting, Path file) {
        Set<PosixFilePermission> mode;
        String owner;
        try {
            mode = Files.getPosixFilePermissions(file);
            owner = Files.getOwner(file).getName();
        } catch (NoSuchFileException absent) {
            return;
        } catch (IOException e) {
            throw new UncheckedIOException(setting + ": cannot read the mode of " + file + ": " + e.getMessage(), e);
        }
        String me = System.getProperty("user.name");
        if (!owner.equals(me) && !owner.equals("root")) {
            throw new IllegalArgumentException(setting + ": " + file + " belongs to " + owner + ", not to " + me
                    + " (the account running the manager) or root: it holds a secret, and its owner may read or"
                    + " change it; give it to " + me + " with: chown " + me + " " + file);
        }
        if (mode.stream().anyMatch(GROUP_OR_OTHERS::contains)) {
            throw new IllegalArgumentException(setting + ": permissions " + octal(mode) + " for " + file
                    + " are too open: it holds a secret, and accounts other than its owner may read or change it;"
                    + " make it private with: chmod 600 " + file);
        }
    }

    private static String octal(Set<PosixFilePermission> mode) {
        int bits = 0;
        for (PosixFilePermission permission : mode) {
            bits |= 1 << (8 - permission.ordinal());
        }
        return String.format("%04o", bits);
    }
}
