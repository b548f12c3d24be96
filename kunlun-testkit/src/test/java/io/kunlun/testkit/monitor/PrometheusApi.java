package io.kunlun.testkit.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** What the tests ask a Prometheus: its targets and when it last loaded its configuration. */
public final class PrometheusApi {
    static final Duration TARGET_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;

    public PrometheusApi(String host, int port) {
        this.base = "http://" + host + ":" + port;
    }

    /** A port nobody listens on now at {@code host}. */
    public static int freePort(String host) {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port on " + host, e);
        }
    }

    /** {@code /api/v1/targets}: the active targets. */
    List<JsonNode> activeTargets() {
        List<JsonNode> targets = new ArrayList<>();
        get("/api/v1/targets").get("data").get("activeTargets").forEach(targets::add);
        return targets;
    }

    /** The active target of the scrape job with the address, once it satisfies {@code condition}. */
    JsonNode awaitTarget(String job, String address, Predicate<JsonNode> condition) {
        long deadline = System.nanoTime() + TARGET_TIMEOUT.toNanos();
        Optional<JsonNode> last = Optional.empty();
        while (System.nanoTime() < deadline) {
            last = activeTargets().stream()
                    .filter(target -> target.get("scrapePool").asText().equals(job)
                            && target.get("labels").path("instance").asText().equals(address))
                    .findFirst();
            if (last.isPresent() && condition.test(last.get())) {
                return last.get();
            }
            sleep();
        }
        throw new AssertionError("no target " + address + " of job " + job + " as expected within "
                + TARGET_TIMEOUT.toSeconds() + " s; last seen: " + last.map(JsonNode::toString).orElse("none")
                + "; all: " + activeTargets());
    }

    /** Waits until the scrape job has no active target with the address. */
    public void awaitNoTarget(String job, String address) {
        long deadline = System.nanoTime() + TARGET_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (activeTargets().stream().noneMatch(target -> target.get("scrapePool").asText().equals(job)
                    && target.get("labels").path("instance").asText().equals(address))) {
                return;
            }
            sleep();
        }
        throw new AssertionError("target " + address + " of job " + job + " still active after "
                + TARGET_TIMEOUT.toSeconds() + " s: " + activeTargets());
    }

    /** The target once Prometheus has scraped it successfully. */
    public JsonNode awaitUp(String job, String address) {
        return awaitTarget(job, address, target -> target.get("health").asText().equals("up"));
    }

    /** When Prometheus last loaded its configuration (at start or by a reload). */
    String lastConfigTime() {
        return get("/api/v1/status/runtimeinfo").get("data").get("lastConfigTime").asText();
    }

    boolean isReady() {
        try {
            return send("/-/ready").statusCode() == 200;
        } catch (IOException notListening) {
            return false;
        }
    }

    public static Map<String, String> labels(JsonNode target) {
        return JSON.convertValue(target.get("labels"), JSON.getTypeFactory()
                .constructMapType(Map.class, String.class, String.class));
    }

    private JsonNode get(String path) {
        try {
            HttpResponse<String> response = send(path);
            if (response.statusCode() != 200) {
                throw new AssertionError("GET " + base + path + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("GET " + base + path + " failed: " + e, e);
        }
    }

    private HttpResponse<String> send(String path) throws IOException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Kills every Prometheus the manager with this home started (found by the configuration file
     * on its command line, so a pid that was reused is never hit), and waits until they are gone.
     */
    public static void killManagedPrometheus(Path home) {
        String configFlag = "--config.file=" + home.toAbsolutePath().normalize().resolve("prometheus/prometheus.yml");
        List<ProcessHandle> found = ProcessHandle.allProcesses()
                .filter(process -> process.info().arguments().map(args -> List.of(args).contains(configFlag))
                        .orElse(false))
                .toList();
        found.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle process : found) {
            try {
                process.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("prometheus " + process.pid() + " still runs after SIGKILL", e);
            }
        }
    }
}
