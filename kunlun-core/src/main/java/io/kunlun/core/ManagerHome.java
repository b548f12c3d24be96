package io.kunlun.core;

import io.kunlun.core.config.ManagerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The manager's home directory, private to the account that runs the manager: the embedded
 * metadata store under {@code meta/} holds the clusters' passwords, and other files there hold
 * the access token.
 */
final class ManagerHome {
    private static final Logger LOG = LoggerFactory.getLogger(ManagerHome.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private ManagerHome() {
    }

    /** Creates the home (and {@code meta/} for the embedded store) mode 0700, or makes existing ones so. */
    static void prepare(ManagerConfig config) {
        makePrivate(config.home());
        if (config.metadata().isEmbedded()) {
            makePrivate(config.home().resolve("meta"));
        }
    }

    private static void makePrivate(Path directory) {
        try {
            if (Files.notExists(directory)) {
                Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                return;
            }
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(directory);
            if (!OWNER_ONLY.containsAll(mode)) {
                LOG.warn("{} was open to other accounts ({}); it holds the metadata store and secrets, so its"
                        + " mode is now rwx------", directory.toAbsolutePath(), PosixFilePermissions.toString(mode));
                Files.setPosixFilePermissions(directory, OWNER_ONLY);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the manager's home " + directory + " private", e);
        }
    }
}
