package io.kunlun.testkit.http;

import io.kunlun.server.KunlunServer;
import io.kunlun.server.ServerOptions;
import io.kunlun.server.TlsOptions;
import io.kunlun.testkit.TestCertificate;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLHandshakeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** With server.tls the listener speaks HTTPS, with the certificate from PEM files or a keystore. */
class TlsListenerTest {
    private static final String BIND = "127.0.0.174";

    @RegisterExtension
    static TestManager manager = TestManager.create();
    @TempDir
    static Path directory;
    private static TestCertificate certificate;

    @BeforeAll
    static void makeCertificate() {
        certificate = TestCertificate.forAddress(BIND, directory);
    }

    private static KunlunServer listen(TlsOptions tls) {
        return KunlunServer.start(manager.manager(), new ServerOptions(BIND, 0, Optional.empty(), false).withTls(tls));
    }

    private static HttpResponse<String> post(HttpClient client, String scheme, int port) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(scheme + "://" + BIND + ":" + port + "/"))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("{\"job_type\":\"get_meta_mode\"}"))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpClient trusting() {
        return HttpClient.newBuilder().sslContext(certificate.trustingIt()).build();
    }

    @Test
    void aCertificateAndKeyInPemFilesServeHttps() throws Exception {
        try (KunlunServer server = listen(TlsOptions.pem(certificate.certificatePem(), certificate.privateKeyPem()))) {
            HttpResponse<String> response = post(trusting(), "https", server.port());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{\"mode\":\"no_rep\"}");
        }
    }

    @Test
    void aKeystoreServesHttps() throws Exception {
        try (KunlunServer server = listen(TlsOptions.keystore(certificate.keystore(), certificate.keystorePassword()))) {
            assertThat(post(trusting(), "https", server.port()).body()).isEqualTo("{\"mode\":\"no_rep\"}");
        }
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateIsRefused() {
        try (KunlunServer server = listen(TlsOptions.pem(certificate.certificatePem(), certificate.privateKeyPem()))) {
            assertThatThrownBy(() -> post(HttpClient.newHttpClient(), "https", server.port()))
                    .isInstanceOf(SSLHandshakeException.class);
        }
    }

    @Test
    void aMissingKeyFileIsNamedAtStart() {
        TlsOptions missing = TlsOptions.pem(certificate.certificatePem(), directory.resolve("absent.key"));

        assertThatThrownBy(() -> listen(missing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("server.tls: " + directory.resolve("absent.key") + ": no such file");
    }

    @Test
    void aKeyFileOthersMayReadIsRefusedAtStartNamingItsMode() throws Exception {
        Path key = Files.copy(certificate.privateKeyPem(), directory.resolve("readable.key"));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> listen(TlsOptions.pem(certificate.certificatePem(), key)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("server.tls.private_key: permissions 0644 for " + key + " are too open: it holds a"
                        + " secret, and accounts other than its owner may read or change it;"
                        + " make it private with: chmod 600 " + key);
    }

    @Test
    void aKeystoreTheGroupMayReadIsRefusedAtStart() throws Exception {
        Path keystore = Files.copy(certificate.keystore(), directory.resolve("readable.p12"));
        Files.setPosixFilePermissions(keystore, PosixFilePermissions.fromString("rw-r-----"));

        assertThatThrownBy(() -> listen(TlsOptions.keystore(keystore, certificate.keystorePassword())))
                .hasMessageStartingWith("server.tls.keystore: permissions 0640 for " + keystore + " are too open");
    }
}
