package io.kunlun.cli;

import io.kunlun.core.ClusterManager;
import io.kunlun.server.KunlunServer;
import io.kunlun.server.ServerOptions;
import io.kunlun.server.TlsOptions;
import io.kunlun.testkit.TestCertificate;
import io.kunlun.testkit.TestPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** kunlunctl --server https://…: the manager's certificate is trusted through --cacert. */
class KunlunctlTlsTest {
    private static final String BIND = "127.0.0.176";

    @TempDir
    Path home;
    @TempDir
    static Path certificates;
    private static TestCertificate certificate;
    private ClusterManager manager;
    private KunlunServer server;

    @BeforeAll
    static void makeCertificate() {
        certificate = TestCertificate.forAddress(BIND, certificates);
    }

    @BeforeEach
    void startServer() {
        manager = ClusterManager.open(TestPorts.managerConfig(home));
        server = KunlunServer.start(manager, new ServerOptions(BIND, 0, Optional.empty(), false)
                .withTls(TlsOptions.pem(certificate.certificatePem(), certificate.privateKeyPem())));
    }

    @AfterEach
    void stopServer() {
        server.close();
        manager.close();
    }

    private String url() {
        return "https://" + BIND + ":" + server.port();
    }

    @Test
    void theCertificateGivenWithCacertIsTrusted() {
        CliRun run = CliRun.of("meta", "mode", "--server", url(), "--cacert", certificate.certificatePem().toString());

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo("mode  no_rep\n");
    }

    @Test
    void withoutCacertACertificateTheJdkDoesNotTrustIsRefused() {
        CliRun run = CliRun.of("meta", "mode", "--server", url());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("kunlunctl: cannot reach the manager at " + url() + ": ")
                .contains("unable to find valid certification path to requested target");
    }

    @Test
    void aMissingCacertFileIsNamed() {
        CliRun run = CliRun.of("meta", "mode", "--server", url(), "--cacert", "/nonexistent/ca.pem");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("kunlunctl: --cacert /nonexistent/ca.pem: no such file\n");
    }
}
