package io.kunlun.core.monitor;

import io.kunlun.core.ManagerException;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
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
                replace(directory.resolve(file.getKey()), file.getValue());
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
                contents.put(name, readNoLink(directory.resolve(name)));
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
        try {
            replace(file, content, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (IOException e) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "cannot write " + file + ": " + e, e);
        }
    }

    /**
     * Writes {@code content} to a fresh temporary name and renames it over {@code file}. The
     * directory may belong to another account (an external Prometheus's targets directory): a
     * symbolic link planted at the temporary name is removed, not followed, and the file is
     * created exclusively (O_EXCL, which follows no link), so the manager writes nowhere else.
     */
    private static void replace(Path file, String content, FileAttribute<?>... attributes) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".kunlun-tmp");
        Files.deleteIfExists(temporary);
        Files.createFile(temporary, attributes);
        Files.writeString(temporary, content, StandardCharsets.UTF_8, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A file's content; a symbolic link in its place is refused rather than read through. */
    private static String readNoLink(Path file) throws IOException {
        try (var channel = Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
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
