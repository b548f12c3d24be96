package io.kunlun.testkit.ssh;

import io.kunlun.testkit.Programs;
import io.kunlun.testkit.TempDirs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A key pair made by ssh-keygen in its own temporary directory, in OpenSSH's formats, as a user
 * or a server would have it. Closing deletes the directory.
 *
 * <pre>{@code
 * try (SshKeys keys = SshKeys.generate(SshKeys.Type.ED25519)) {
 *     OpenSshServer.start("127.0.0.20", keys.publicKeyLine()) ...
 * }
 * }</pre>
 */
public final class SshKeys implements AutoCloseable {
    /**
     * Key types. Apache MINA SSHD reads Ed25519 keys only with the net.i2p EdDSA library, which
     * is not on the class path: use ECDSA with {@link MinaSshServer}.
     */
    public enum Type {
        ED25519(List.of("-t", "ed25519")),
        ECDSA(List.of("-t", "ecdsa", "-b", "256"));

        private final List<String> keygenOptions;

        Type(List<String> keygenOptions) {
            this.keygenOptions = keygenOptions;
        }
    }

    private final Path directory;
    private final Path privateKey;
    private final String publicKeyLine;

    private SshKeys(Path directory, Path privateKey, String publicKeyLine) {
        this.directory = directory;
        this.privateKey = privateKey;
        this.publicKeyLine = publicKeyLine;
    }

    public static SshKeys generate(Type type) {
        Path directory = TempDirs.create("kunlun-ssh-keys");
        Path privateKey = directory.resolve("id_" + type.name().toLowerCase(Locale.ROOT));
        try {
            List<String> argv = new ArrayList<>(List.of("ssh-keygen", "-q", "-N", "", "-C", "kunlun-test",
                    "-f", privateKey.toString()));
            argv.addAll(type.keygenOptions);
            Programs.run(argv);
            return new SshKeys(directory, privateKey, Files.readString(publicKeyOf(privateKey)).strip());
        } catch (IOException e) {
            TempDirs.deleteUnchecked(directory);
            throw new UncheckedIOException("cannot read the key made by ssh-keygen", e);
        } catch (RuntimeException e) {
            TempDirs.deleteUnchecked(directory);
            throw e;
        }
    }

    private static Path publicKeyOf(Path privateKey) {
        return privateKey.resolveSibling(privateKey.getFileName() + ".pub");
    }

    /** The directory holding both files. */
    public Path directory() {
        return directory;
    }

    /** The private key file, unencrypted, as SshConfig.privateKey takes it. */
    public Path privateKey() {
        return privateKey;
    }

    public Path publicKey() {
        return publicKeyOf(privateKey);
    }

    /** The public key as one authorized_keys line: {@code ssh-ed25519 AAAA... kunlun-test}. */
    public String publicKeyLine() {
        return publicKeyLine;
    }

    /** The key type and base64 blob without the comment, as known_hosts holds a host key. */
    public String keyWithoutComment() {
        String[] fields = publicKeyLine.split(" ");
        return fields[0] + " " + fields[1];
    }

    @Override
    public void close() {
        TempDirs.deleteUnchecked(directory);
    }
}
