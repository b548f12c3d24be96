package io.kunlun.testkit.http;

import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web console's files on {@code GET /ui}: from the jar, with their types, under a strict
 * Content-Security-Policy; nothing else can be named through it.
 */
class ConsoleAssetsTest {
    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private static final String LOOPBACK = "127.0.0.1";

    @RegisterExtension
    static TestManager manager = TestManager.create();

    @RegisterExtension
    static TestManager withToken = TestManager.builder().accessToken("console-assets-token").build();

    /** A raw reply: status, headers (lower-case names) and body. */
    private record Raw(int status, Map<String, String> headers, String body) {
        static Raw of(String text) {
            int end = text.indexOf("\r\n\r\n");
            String[] lines = text.substring(0, end).split("\r\n");
            Map<String, String> headers = new TreeMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
            }
            return new Raw(Integer.parseInt(lines[0].substring(9, 12)), headers, text.substring(end + 4));
        }
    }

    private static Raw send(TestManager target, String method, String path, String host, String extraHeaders) {
        return Raw.of(RawHttp.send(LOOPBACK, target.port(), method, path, host, extraHeaders));
    }

    private static Raw get(TestManager target, String path, String extraHeaders) {
        return send(target, "GET", path, LOOPBACK + ":" + target.port(), extraHeaders);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/ui", "/ui/", "/ui/index.html"})
    void thePageIsServedWithAPolicyThatRunsOnlyItsOwnFiles(String path) {
        Raw page = get(manager, path, "");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.headers()).containsEntry("content-type", "text/html; charset=utf-8")
                .containsEntry("content-security-policy", POLICY)
                .containsEntry("x-content-type-options", "nosniff")
                .containsEntry("x-frame-options", "DENY")
                .containsEntry("cache-control", "no-cache")
                .containsKey("etag");
        assertThat(page.body()).contains("<script type=\"module\" src=\"/ui/console.js\"></script>")
                .doesNotContain("<script>");
    }

    @Test
    void eachFileHasTheTypeOfItsKind() {
        assertThat(get(manager, "/ui/console.js", "").headers()).containsEntry("content-type", "text/javascript; charset=utf-8");
        assertThat(get(manager, "/ui/console.css", "").headers()).containsEntry("content-type", "text/css; charset=utf-8");
        assertThat(get(manager, "/ui/icon.svg", "").headers()).containsEntry("content-type", "image/svg+xml");
    }

    @Test
    void anUnchangedFileIsNotSentAgain() {
        String etag = get(manager, "/ui/api.js", "").headers().get("etag");

        Raw again = get(manager, "/ui/api.js", "If-None-Match: " + etag + "\r\n");

        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/ui/../pom.xml", "/ui/..%2f..%2fpom.xml", "/ui/%2e%2e/%2e%2e/etc/passwd",
            "/ui/ConsoleHandler.class", "/ui/io/kunlun/server/ui/api.js", "/ui/missing.js", "/ui/api.js/",
            "/ui/sub/", "/ui//api.js", "/ui/API.JS"})
    void nothingButTheConsolesOwnFilesCanBeNamed(String path) {
        Raw reply = get(manager, path, "");

        assertThat(reply.status()).as(path).isEqualTo(404);
        assertThat(reply.body()).isEqualTo("the console has no such file\n");
        assertThat(reply.headers()).containsEntry("x-content-type-options", "nosniff");
    }

    @Test
    void aPathThatOnlyStartsLikeTheConsoleIsTheApis() {
        assertThat(get(manager, "/uix", "").status()).isEqualTo(405);
    }

    @Test
    void theFilesAreOnlyRead() {
        Raw post = send(manager, "POST", "/ui", LOOPBACK + ":" + manager.port(), "");

        assertThat(post.status()).isEqualTo(405);
        assertThat(post.headers()).containsEntry("allow", "GET, HEAD");
    }

    @Test
    void theFilesHoldNoDataAndNeedNoTokenWhileTheApiDoes() {
        assertThat(get(withToken, "/ui/console.js", "").status()).isEqualTo(200);
        assertThat(send(withToken, "POST", "/", LOOPBACK + ":" + withToken.port(), "").status()).isEqualTo(401);
    }

    @Test
    void theFilesAreCountedApartFromTheApi() {
        get(manager, "/ui/dom.js", "");
        get(manager, "/ui/no-such.js", "");

        String metrics = get(manager, "/metrics", "").body();

        assertThat(metrics).contains("kunlun_http_requests_total{code=\"200\",handler=\"ui\"}")
                .contains("kunlun_http_requests_total{code=\"404\",handler=\"ui\"}");
    }

    @Test
    void aNameThatIsNotTheManagersGetsNoFile() {
        assertThat(send(manager, "GET", "/ui", "rebound.evil.example:" + manager.port(), "").status()).isEqualTo(403);
    }
}
