package io.kunlun.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** The access token kept in a file, so that it never appears on a command line (ps shows those). */
final class AccessTokenFile {
    private AccessTokenFile() {
    }

    /** The file's first line, without the spaces around it. */
    static String read(Path file) {
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
        } catch (NoSuchFileException e) {
            throw new CliFailure("--token-file " + file + ": no such file");
        } catch (IOException e) {
            throw new CliFailure("--token-file " + file + ": cannot read it: " + e.getMessage());
        }
        if (token.isEmpty()) {
            throw new CliFailure("--token-file " + file + ": the file is empty; its first line must be the token");
        }
        return token;
    }
}
