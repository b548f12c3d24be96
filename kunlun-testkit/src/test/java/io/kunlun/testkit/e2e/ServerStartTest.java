package io.kunlun.testkit.e2e;

import io.kunlun.server.KunlunServer;
import io.kunlun.server.ServerOptions;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server binds before the manager opens; a request that arrives in between waits for the
 * manager instead of being refused, up to the startup bound.
 */
class ServerStartTest {
    private static final String GET_META_MODE = "{\"job_type\":\"get_meta_mode\"}";

    @RegisterExtension
    static TestManager manager = TestManager.create();

    private static ApiClient clientOf(KunlunServer server) {
        return ApiClient.to(URI.create("http://127.0.0.1:" + server.port() + "/"));
    }

    @Test
    void aQuerySentWhileTheManagerOpensIsAnsweredOnceItIsServed() throws Exception {
        try (KunlunServer server = KunlunServer.listen(ServerOptions.loopback(0))) {
            CompletableFuture<Reply> early = CompletableFuture.supplyAsync(() -> clientOf(server).post(GET_META_MODE));
            Thread.sleep(500);
            assertThat(early).as("waiting for the manager").isNotDone();

            server.serve(manager.manager());

            assertThat(early.get(10, TimeUnit.SECONDS)).isEqualTo(Reply.of(200, "{\"mode\":\"no_rep\"}"));
        }
    }

    @Test
    void aJobSubmittedWhileTheManagerOpensIsAccepted() throws Exception {
        try (KunlunServer server = KunlunServer.listen(ServerOptions.loopback(0))) {
            CompletableFuture<Reply> early = CompletableFuture.supplyAsync(() -> clientOf(server).post(
                    "{\"job_type\":\"delete_machine\",\"job_id\":\"early-1\",\"hostaddr\":\"127.0.0.99\"}"));
            Thread.sleep(500);

            server.serve(manager.manager());

            Reply accepted = early.get(10, TimeUnit.SECONDS);
            assertThat(accepted.status()).isEqualTo(200);
            assertThat(accepted.result()).isEqualTo("accept");
            assertThat(manager.client().awaitJob("early-1", Duration.ofSeconds(30)).info())
                    .isEqualTo("machine 127.0.0.99 is not registered");
        }
    }

    @Test
    void aManagerThatTakesLongerThanTheStartupBoundIsSaidToBeStillStarting() {
        ServerOptions.Timeouts defaults = ServerOptions.Timeouts.DEFAULT;
        ServerOptions options = ServerOptions.loopback(0).withTimeouts(
                new ServerOptions.Timeouts(defaults.requestParse(), defaults.idle(), Duration.ofSeconds(1)));
        try (KunlunServer server = KunlunServer.listen(options)) {
            assertThat(clientOf(server).post(GET_META_MODE)).isEqualTo(Reply.of(503,
                    "{\"result\":\"failed\",\"info\":\"the manager is still starting after 1 s; try again later\"}"));
        }
    }
}
