package io.kunlun.core.hosts;

import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;

/**
 * Checks a server's host key against an OpenSSH known_hosts file. An unknown host is accepted only
 * when trust on first use is on, and its key is then appended to the file; a host whose key
 * differs from the one on file is always refused. The outcome is kept so that the caller can say
 * why a connection was refused: SSHJ reports every refusal the same way.
 */
final class KnownHostsVerifier extends OpenSSHKnownHosts {
    enum Refusal { NONE, UNKNOWN_HOST, CHANGED_KEY, UNRECORDED }

    /** Appends from several connections of this process must not interleave. */
    private static final Object APPENDING = new Object();

    private final Path file;
    private final boolean trustOnFirstUse;
    private volatile Refusal refusal = Refusal.NONE;
    private volatile String unrecordedReason = "";

    KnownHostsVerifier(Path file, boolean trustOnFirstUse) throws IOException {
        super(file.toFile());
        this.file = file;
        this.trustOnFirstUse = trustOnFirstUse;
    }

    Path file() {
        return file;
    }

    /** Why the last verification refused the key, or NONE. */
    Refusal refusal() {
        return refusal;
    }

    /** When the refusal is UNRECORDED: why the key could not be added to the file. */
    String unrecordedReason() {
        return unrecordedReason;
    }

    @Override
    protected boolean hostKeyUnverifiableAction(String hostname, PublicKey key) {
        if (!trustOnFirstUse) {
            refusal = Refusal.UNKNOWN_HOST;
            return false;
        }
        try {
            append(new HostEntry(null, hostname, KeyType.fromKey(key), key).getLine());
            return true;
        } catch (IOException e) {
            unrecordedReason = e.toString();
            refusal = Refusal.UNRECORDED;
            return false;
        }
    }

    @Override
    protected boolean hostKeyChangedAction(String hostname, PublicKey key) {
        refusal = Refusal.CHANGED_KEY;
        return false;
    }

    private void append(String line) throws IOException {
        synchronized (APPENDING) {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            boolean needsLineBreak = Files.exists(file) && !endsWithLineBreakOrEmpty();
            Files.writeString(file, (needsLineBreak ? "\n" : "") + line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    private boolean endsWithLineBreakOrEmpty() throws IOException {
        try (SeekableByteChannel channel = Files.newByteChannel(file)) {
            if (channel.size() == 0) {
                return true;
            }
            ByteBuffer last = ByteBuffer.allocate(1);
            channel.position(channel.size() - 1).read(last);
            return last.get(0) == '\n';
        }
    }
}
