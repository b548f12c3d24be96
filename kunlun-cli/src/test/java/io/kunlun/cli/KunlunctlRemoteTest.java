package io.kunlun.cli;

import io.kunlun.core.ClusterManager;
import io.kunlun.server.KunlunServer;
import io.kunlun.server.ServerOptions;
import io.kunlun.testkit.TestPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** kunlunctl --server: against a real manager behind its HTTP server on 127.0.0.60. */
class KunlunctlRemoteTest extends KunlunctlContract {
    static final String BIND = "127.0.0.60";

    private ClusterManager manager;
    private KunlunServer server;

    @BeforeEach
    void startServer() {
        manager = ClusterManager.open(TestPorts.managerConfig(home));
        server = KunlunServer.start(manager, new ServerOptions(BIND, 0, Optional.empty(), false));
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
        if (manager != null) {
            manager.close();
        }
    }

    String url() {
        return "http://" + BIND + ":" + server.port();
    }

    @Override
    List<String> target() {
        return List.of("--server", url());
    }

    @Override
    String userOf(String jobId) {
        return manager.status(jobId).orElseThrow().userName();
    }

    @Test
    void noWaitAnswersAcceptAndJobWaitFollowsTheJobToItsEnd() {
        CliRun submitted = createMachine("127.0.0.61", "m1", "--no-wait");

        assertThat(submitted.exitCode()).isZero();
        assertThat(submitted.out()).startsWith("result        accept\njob_id        m1\njob_type      create_machine\n");
        assertThat(submitted.err()).isEmpty();

        CliRun waited = kunlunctl("job", "wait", "m1");

        assertThat(waited.exitCode()).isZero();
        assertThat(waited.out()).startsWith("result        done\ninfo          create machine succeed\n");
    }

    @Test
    void theServerComesFromKunlunctlServerWhenNotGiven() {
        CliRun run = CliRun.withEnvironment(Map.of("KUNLUNCTL_SERVER", url()), "meta", "mode");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo("mode  no_rep\n");
    }

    @Test
    void aManagerWithAnAccessTokenRefusesRequestsWithoutIt() throws Exception {
        try (KunlunServer guarded = KunlunServer.start(manager, new ServerOptions(BIND, 0, Optional.of("s3cret"), false))) {
            String guardedUrl = "http://" + BIND + ":" + guarded.port();

            CliRun run = CliRun.of("meta", "mode", "--server", guardedUrl);

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).isEqualTo("kunlunctl: the manager at " + guardedUrl + " refused the request: this"
                    + " manager needs Authorization: Bearer <access token> (give it with --token-file or KUNLUN_ACCESS_TOKEN)\n");
        }
    }

    @Test
    void aWrongAccessTokenIsSaidToBeWrong() throws Exception {
        try (KunlunServer guarded = KunlunServer.start(manager, new ServerOptions(BIND, 0, Optional.of("s3cret"), false))) {
            String guardedUrl = "http://" + BIND + ":" + guarded.port();

            CliRun run = CliRun.of("meta", "mode", "--server", guardedUrl, "--token", "guess");

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).endsWith("(the access token given was not accepted)\n");
        }
    }

    @Test
    void theAccessTokenComesFromTheFirstLineOfTokenFile() throws Exception {
        Path tokenFile = Files.writeString(disk.resolve("token"), "s3cret\n");
        try (KunlunServer guarded = KunlunServer.start(manager, new ServerOptions(BIND, 0, Optional.of("s3cret"), false))) {
            CliRun run = CliRun.of("meta", "mode", "--server", "http://" + BIND + ":" + guarded.port(),
                    "--token-file", tokenFile.toString());

            assertThat(run.exitCode()).isZero();
            assertThat(run.out()).isEqualTo("mode  no_rep\n");
            assertThat(run.err()).isEmpty();
        }
    }

    @Test
    void theAccessTokenComesFromKunlunAccessToken() throws Exception {
        try (KunlunServer guarded = KunlunServer.start(manager, new ServerOptions(BIND, 0, Optional.of("s3cret"), false))) {
            CliRun run = CliRun.withEnvironment(Map.of("KUNLUN_ACCESS_TOKEN", "s3cret"),
                    "meta", "mode", "--server", "http://" + BIND + ":" + guarded.port());

            assertThat(run.exitCode()).isZero();
            assertThat(run.out()).isEqualTo("mode  no_rep\n");
        }
    }

    @Test
    void theDeprecatedTokenOptionStillWorksAndWarnsThatPsShowsIt() throws Exception {
        try (KunlunServer guarded = KunlunServer.start(manager, new ServerOptions(BIND, 0, Optional.of("s3cret"), false))) {
            CliRun run = CliRun.of("meta", "mode", "--server", "http://" + BIND + ":" + guarded.port(),
                    "--token", "s3cret");

            assertThat(run.exitCode()).isZero();
            assertThat(run.out()).isEqualTo("mode  no_rep\n");
            assertThat(run.err()).isEqualTo("kunlunctl: warning: --token is deprecated, other users see it in ps;"
                    + " use --token-file FILE or KUNLUN_ACCESS_TOKEN\n");
        }
    }

    @Test
    void aMissingTokenFileIsNamed() {
        CliRun run = CliRun.of("meta", "mode", "--server", url(), "--token-file", "/nonexistent/token");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("kunlunctl: --token-file /nonexistent/token: no such file\n");
    }

    @Test
    void anUnreachableManagerExits1SayingWhy() throws IOException {
        int closedPort;
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getByName(BIND), 0));
            closedPort = probe.getLocalPort();
        }
        String nowhere = "http://" + BIND + ":" + closedPort;

        CliRun run = CliRun.of("meta", "mode", "--server", nowhere);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("kunlunctl: cannot reach the manager at " + nowhere + ": Connection refused\n");
        assertThat(run.out()).isEmpty();
    }
}
