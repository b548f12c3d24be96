package io.kunlun.core.monitor;

import io.kunlun.core.ManagerException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Files Prometheus reads, written whole: each goes to a temporary name and is renamed over the
 * old one, so Prometheus (which watches file_sd files) never reads half a file.
 */
final class PrometheusFiles {
    private PrometheusFiles() {
    }

    /** Writes each file (name → content) into {@code directory}, creating the directory. */
    static void write(Path directory, Map<String, String> files) {
        try {
            Files.createDirectories(directory);
            for (Map.Entry<String, String> file : files.entrySet()) {
                Path target = directory.resolve(file.getKey());
                Path temporary = directory.resolve(file.getKey() + ".kunlun-tmp");
                Files.writeString(temporary, file.getValue(), StandardCharsets.UTF_8);
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "cannot write Prometheus files in "
                    + directory + ": " + e, e);
        }
    }

    /** The current content of each named file, null for a file that does not exist. */
    static Map<String, String> read(Path directory, Collection<String> names) {
        Map<String, String> contents = new HashMap<>();
        for (String name : names) {
            try {
                contents.put(name, Files.readString(directory.resolve(name), StandardCharsets.UTF_8));
            } catch (NoSuchFileException absent) {
                contents.put(name, null);
            } catch (IOException e) {
                throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "cannot read "
                        + directory.resolve(name) + ": " + e, e);
            }
        }
        return contents;
    }

    /** Writes a file only its owner may read (Prometheus runs as the manager's account). */
    static void writePrivate(Path file, String content) {
        Path temporary = file.resolveSibling(file.getFileName() + ".kunlun-tmp");
        try {
            Files.deleteIfExists(temporary);
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temporary, content, StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "cannot write " + file + ": " + e, e);
        }
    }

    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "cannot remove " + file + ": " + e, e);
        }
    }
}
