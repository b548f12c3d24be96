package io.kunlun.core.monitor;

import io.kunlun.core.ManagerException;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The two calls of Prometheus's management API the manager makes: ready? and reload. */
final class PrometheusHttp {
    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(30);
    /** Short: it is asked again and again while Prometheus starts, and something else may hold the port. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(1);
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private PrometheusHttp() {
    }

    /** {@code base} with {@code path} appended, whether or not base ends with a slash. */
    static URI resolve(String base, String path) {
        return URI.create(base.endsWith("/") ? base + path.substring(1) : base + path);
    }

    /** Whether {@code GET /-/ready} answers 200 now; false while it starts or when nothing listens. */
    static boolean isReady(String base) {
        try {
            return send(HttpRequest.newBuilder(resolve(base, "/-/ready")).timeout(READY_TIMEOUT)).statusCode() == 200;
        } catch (IOException notYet) {
            return false;
        }
    }

    /**
     * {@code POST /-/reload}: Prometheus rereads its configuration. Fails with what it answered
     * when it refuses (a configuration it cannot load, or no {@code --web.enable-lifecycle}).
     */
    static void reload(String base) {
        URI uri = resolve(base, "/-/reload");
        HttpResponse<String> response;
        try {
            response = send(HttpRequest.newBuilder(uri).timeout(RELOAD_TIMEOUT)
                    .POST(HttpRequest.BodyPublishers.noBody()));
        } catch (IOException e) {
            throw new ManagerException(ManagerException.Code.HOST_UNREACHABLE, "prometheus at " + base
                    + ": POST /-/reload failed: " + e);
        }
        if (response.statusCode() != 200) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "prometheus at " + base
                    + ": POST /-/reload answered " + response.statusCode() + ": " + response.body().strip());
        }
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
        try {
            return HTTP.send(request.build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ManagerException(ManagerException.Code.INTERRUPTED, "interrupted while calling prometheus at "
                    + request.build().uri());
        }
    }
}
