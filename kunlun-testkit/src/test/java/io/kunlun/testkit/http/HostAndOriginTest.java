package io.kunlun.testkit.http;

import io.kunlun.server.KunlunServer;
import io.kunlun.server.ServerOptions;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Web pages are kept out: a page's request carries its Origin (cross-site request forgery), a
 * rebound name arrives as the Host (DNS rebinding). Programs send neither.
 */
class HostAndOriginTest {
    private static final String BIND = "127.0.0.171";
    private static final String CREATE_MACHINE = "{\"job_type\":\"create_machine\",\"job_id\":\"csrf1\","
            + "\"hostaddr\":\"127.0.0.172\",\"datadir\":\"/tmp/x\",\"logdir\":\"/tmp/x\",\"wal_log_dir\":\"/tmp/x\","
            + "\"comp_datadir\":\"/tmp/x\",\"total_mem\":\"1024\",\"total_cpu_cores\":\"1\"}";
    private static final String GET_META_MODE = "{\"job_type\":\"get_meta_mode\"}";

    @RegisterExtension
    static TestManager manager = TestManager.create();

    private static KunlunServer listen(ServerOptions options) {
        return KunlunServer.start(manager.manager(), options);
    }

    private static ServerOptions onBind() {
        return new ServerOptions(BIND, 0, Optional.empty(), false);
    }

    /** The reply's status line and JSON body. */
    private static Reply reply(String raw) {
        int status = Integer.parseInt(raw.substring(9, 12));
        return Reply.of(status, raw.substring(raw.indexOf("\r\n\r\n") + 4));
    }

    @Test
    void aPostFromAWebPageIsRefusedWith403AndChangesNothing() {
        try (KunlunServer server = listen(onBind())) {
            String raw = RawHttp.post(BIND, server.port(), BIND + ":" + server.port(),
                    "Origin: https://evil.example\r\n", CREATE_MACHINE);

            assertThat(reply(raw)).isEqualTo(Reply.of(403, "{\"result\":\"failed\",\"info\":\"Origin"
                    + " \\\"https://evil.example\\\" is not allowed: requests from web pages are refused unless"
                    + " server.allowed_origins lists the page's origin\"}"));
        }
        assertThat(manager.post("{\"job_type\":\"get_status\",\"job_id\":\"csrf1\"}"))
                .isEqualTo(Reply.of(200, "{\"result\":\"failed\",\"info\":\"no job with id csrf1\"}"));
    }

    @Test
    void aPageOfAnAllowedOriginIsAnswered() {
        try (KunlunServer server = listen(onBind().withAllowedOrigins(List.of("https://xpanel.example.com")))) {
            String raw = RawHttp.post(BIND, server.port(), BIND + ":" + server.port(),
                    "Origin: https://XPanel.example.com\r\n", GET_META_MODE);

            assertThat(reply(raw)).isEqualTo(Reply.of(200, "{\"mode\":\"no_rep\"}"));
        }
    }

    @Test
    void thePagesOfTheManagersOwnConsoleAreAnswered() {
        try (KunlunServer server = listen(onBind())) {
            String own = BIND + ":" + server.port();
            String raw = RawHttp.post(BIND, server.port(), own, "Origin: http://" + own + "\r\n", GET_META_MODE);

            assertThat(reply(raw)).isEqualTo(Reply.of(200, "{\"mode\":\"no_rep\"}"));
        }
    }

    @Test
    void aPageOnAnotherPortOrSchemeOfTheSameAddressIsRefused() {
        try (KunlunServer server = listen(onBind())) {
            String own = BIND + ":" + server.port();
            for (String origin : List.of("http://" + BIND + ":1", "https://" + own, "http://" + BIND)) {
                String raw = RawHttp.post(BIND, server.port(), own, "Origin: " + origin + "\r\n", GET_META_MODE);

                assertThat(reply(raw).status()).as(origin).isEqualTo(403);
            }
        }
    }

    @Test
    void aReboundNameIsRefusedEvenFromItsOwnPage() {
        try (KunlunServer server = listen(onBind())) {
            String rebound = "rebound.evil.example:" + server.port();
            String raw = RawHttp.post(BIND, server.port(), rebound, "Origin: http://" + rebound + "\r\n", GET_META_MODE);

            assertThat(reply(raw)).isEqualTo(Reply.of(403, "{\"result\":\"failed\",\"info\":\"Host"
                    + " \\\"" + rebound + "\\\" is not an address of this manager: add"
                    + " the name to server.allowed_hosts to reach the manager by it\"}"));
        }
    }

    @Test
    void aNameThatIsNotTheManagersIsRefusedWith403() {
        try (KunlunServer server = listen(onBind())) {
            String raw = RawHttp.post(BIND, server.port(), "rebound.evil.example:" + server.port(), "", GET_META_MODE);

            assertThat(reply(raw)).isEqualTo(Reply.of(403, "{\"result\":\"failed\",\"info\":\"Host"
                    + " \\\"rebound.evil.example:" + server.port() + "\\\" is not an address of this manager: add"
                    + " the name to server.allowed_hosts to reach the manager by it\"}"));
        }
    }

    @Test
    void aConfiguredNameAndTheLoopbackNamesAreAnswered() {
        try (KunlunServer server = listen(onBind().withAllowedHosts(List.of("Manager.Example.COM")))) {
            assertThat(reply(RawHttp.post(BIND, server.port(), "manager.example.com:" + server.port(), "",
                    GET_META_MODE))).isEqualTo(Reply.of(200, "{\"mode\":\"no_rep\"}"));
            assertThat(reply(RawHttp.post(BIND, server.port(), "localhost:" + server.port(), "", GET_META_MODE)))
                    .isEqualTo(Reply.of(200, "{\"mode\":\"no_rep\"}"));
        }
    }

    @Test
    void aRequestWithoutHostIsRefusedWith403() throws Exception {
        try (KunlunServer server = listen(onBind()); Socket socket = RawHttp.connect(BIND, server.port())) {
            String body = GET_META_MODE;
            socket.getOutputStream().write(("POST / HTTP/1.0\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));

            assertThat(reply(RawHttp.readToEnd(socket)))
                    .isEqualTo(Reply.of(403, "{\"result\":\"failed\",\"info\":\"the Host header is required\"}"));
        }
    }

    @Test
    void anOriginThatIsNotOneIsRefusedAtStart() {
        ServerOptions wrong = onBind().withAllowedOrigins(List.of("https://xpanel.example.com/console"));

        assertThatThrownBy(() -> listen(wrong))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("server.allowed_origins must hold origins such as https://xpanel.example.com (scheme,"
                        + " host and optional port, nothing else), got \"https://xpanel.example.com/console\"");
    }
}
