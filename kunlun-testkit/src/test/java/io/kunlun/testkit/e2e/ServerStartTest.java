package io.kunlun.testkit.e2e;

import io.kunlun.server.KunlunServer;
import io.kunlun.server.ServerOptions;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;

/** The server binds before the manager opens; in between it says so instead of failing. */
class ServerStartTest {
    @RegisterExtension
    static TestManager manager = TestManager.create();

    @Test
    void untilTheManagerIsServedRequestsAnswer503ThenTheyAreServed() {
        try (KunlunServer server = KunlunServer.listen(ServerOptions.loopback(0))) {
            ApiClient api = ApiClient.to(URI.create("http://127.0.0.1:" + server.port() + "/"));

            assertThat(api.post("{\"job_type\":\"get_meta_mode\"}"))
                    .isEqualTo(Reply.of(503, "{\"result\":\"failed\",\"info\":\"the manager is starting\"}"));
            server.serve(manager.manager());
            assertThat(api.post("{\"job_type\":\"get_meta_mode\"}")).isEqualTo(Reply.of(200, "{\"mode\":\"no_rep\"}"));
        }
    }
}
