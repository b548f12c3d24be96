package io.kunlun.core.hosts;

import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

class KnownHostsVerifierTest {
    private static final String HOST = "127.0.0.21";
    private static final int PORT = 2222;

    @TempDir
    Path directory;

    @Test
    void acceptsTheKeyOnFileWithoutChangingTheFile() throws Exception {
        PublicKey key = newKey();
        Path file = knownHosts(entry("[" + HOST + "]:" + PORT, key));
        String before = Files.readString(file);

        KnownHostsVerifier verifier = new KnownHostsVerifier(file, false);

        assertThat(verifier.verify(HOST, PORT, key)).isTrue();
        assertThat(verifier.refusal()).isEqualTo(KnownHostsVerifier.Refusal.NONE);
        assertThat(Files.readString(file)).isEqualTo(before);
    }

    @Test
    void refusesAnUnknownHostWhenTrustOnFirstUseIsOff() throws Exception {
        Path file = knownHosts(entry("[127.0.0.22]:" + PORT, newKey()));
        String before = Files.readString(file);

        KnownHostsVerifier verifier = new KnownHostsVerifier(file, false);

        assertThat(verifier.verify(HOST, PORT, newKey())).isFalse();
        assertThat(verifier.refusal()).isEqualTo(KnownHostsVerifier.Refusal.UNKNOWN_HOST);
        assertThat(Files.readString(file)).isEqualTo(before);
    }

    @Test
    void trustOnFirstUseAcceptsAnUnknownHostAndRecordsItsKey() throws Exception {
        PublicKey key = newKey();
        Path file = directory.resolve("new/known_hosts");

        assertThat(new KnownHostsVerifier(file, true).verify(HOST, PORT, key)).isTrue();

        assertThat(Files.readString(file)).isEqualTo(entry("[" + HOST + "]:" + PORT, key) + "\n");
        KnownHostsVerifier strict = new KnownHostsVerifier(file, false);
        assertThat(strict.verify(HOST, PORT, key)).isTrue();
    }

    @Test
    void trustOnFirstUseStartsANewLineWhenTheFileLacksOne() throws Exception {
        PublicKey known = newKey();
        PublicKey unknown = newKey();
        Path file = directory.resolve("known_hosts");
        Files.writeString(file, entry("other", known));

        new KnownHostsVerifier(file, true).verify(HOST, 22, unknown);

        assertThat(Files.readString(file)).isEqualTo(entry("other", known) + "\n" + entry(HOST, unknown) + "\n");
    }

    @Test
    void refusesAChangedKeyEvenWithTrustOnFirstUse() throws Exception {
        Path file = knownHosts(entry("[" + HOST + "]:" + PORT, newKey()));
        String before = Files.readString(file);

        KnownHostsVerifier verifier = new KnownHostsVerifier(file, true);

        assertThat(verifier.verify(HOST, PORT, newKey())).isFalse();
        assertThat(verifier.refusal()).isEqualTo(KnownHostsVerifier.Refusal.CHANGED_KEY);
        assertThat(Files.readString(file)).isEqualTo(before);
    }

    private Path knownHosts(String line) throws Exception {
        Path file = directory.resolve("known_hosts");
        Files.writeString(file, "# hosts of the test\n" + line + "\n");
        return file;
    }

    private static String entry(String hosts, PublicKey key) {
        byte[] blob = new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
        return hosts + " " + KeyType.fromKey(key) + " " + Base64.getEncoder().encodeToString(blob);
    }

    private static PublicKey newKey() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair().getPublic();
    }
}
