package io.kunlun.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * A client of the job API as scripts use it: {@code curl -d '<json>' http://host:port}, i.e. a
 * POST of the raw JSON with Content-Type application/x-www-form-urlencoded. Each instance has its
 * own {@link HttpClient} (so concurrent tests can give each thread its own connection pool).
 */
public final class ApiClient {
    /** What curl -d sends as the Content-Type. */
    public static final String CURL_FORM = "application/x-www-form-urlencoded";
    public static final Duration DEFAULT_JOB_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(25);
    /*
     * Generous: tests of a latency bound measure it themselves. In the suite's two JVMs a request
     * now and then gets no answer at all on its pooled connection, while the manager answers the
     * next request at once and its HTTP worker threads sat idle (the dumps printed below showed
     * it). See send, which sends such a request again.
     */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(90);
    private static final Set<String> ENDED = Set.of("done", "failed");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI uri;
    private final Optional<String> accessToken;
    private final HttpClient http;
    /** What to print about the manager when a request goes unanswered, beside this JVM's threads. */
    private final Supplier<String> stuckReport;

    private ApiClient(URI uri, Optional<String> accessToken, Supplier<String> stuckReport) {
        this.uri = uri;
        this.accessToken = accessToken;
        this.stuckReport = stuckReport;
        this.http = newHttpClient();
    }

    private static HttpClient newHttpClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** A client of the manager at {@code uri}, e.g. {@code http://127.0.0.1:57000/}. */
    public static ApiClient to(URI uri) {
        return new ApiClient(uri, Optional.empty(), () -> "");
    }

    /** The same manager, sending {@code Authorization: Bearer <token>}. */
    public ApiClient withAccessToken(String token) {
        return new ApiClient(uri, Optional.of(token), stuckReport);
    }

    /**
     * The same manager, printing {@code report} too when a request goes unanswered: for a manager
     * in a process of its own, whose threads this JVM's dump does not show.
     */
    public ApiClient withStuckReport(Supplier<String> report) {
        return new ApiClient(uri, accessToken, report);
    }

    public URI uri() {
        return uri;
    }

    /** POSTs raw JSON the way {@code curl -d} does. */
    public Reply post(String rawJson) {
        return post(rawJson.getBytes(StandardCharsets.UTF_8), CURL_FORM);
    }

    /** POSTs any bytes with any Content-Type (for bodies that are not JSON, or not UTF-8). */
    public Reply post(byte[] body, String contentType) {
        return send("POST", HttpRequest.BodyPublishers.ofByteArray(body), contentType, carriesJobId(body));
    }

    /** POSTs bytes without a Content-Length (chunked), as a client streaming its body does. */
    public Reply postStreamed(byte[] body, String contentType) {
        return send("POST", HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)),
                contentType, false);
    }

    /** Any other method, without a body (to check that only POST is answered). */
    public Reply send(String method) {
        return send(method, HttpRequest.BodyPublishers.noBody(), null, false);
    }

    /**
     * Whether sending the body twice does what sending it once does: a request naming a job_id
     * (get_status, or a submission, which the API runs once per job_id).
     */
    private static boolean carriesJobId(byte[] body) {
        try {
            JsonNode request = JSON.readTree(body);
            return request != null && request.hasNonNull("job_id");
        } catch (IOException notJson) {
            // Tests of bad input send bodies that are not JSON: never sent twice.
            return false;
        }
    }

    /**
     * Sends once; a request that may be sent twice and went unanswered is sent again, once, on a
     * new connection, after the report of what both processes were doing is printed.
     */
    private Reply send(String method, HttpRequest.BodyPublisher body, String contentType, boolean mayResend) {
        try {
            return sendOnce(http, method, body, contentType);
        } catch (UnansweredRequest e) {
            if (!mayResend) {
                throw new AssertionError(e.getMessage(), e.getCause());
            }
            System.err.println(method + " " + uri + ": sent again on a new connection");
            try {
                return sendOnce(newHttpClient(), method, body, contentType);
            } catch (UnansweredRequest again) {
                throw new AssertionError(again.getMessage() + " (sent twice)", again.getCause());
            }
        }
    }

    /** A request left without an answer for {@link #REQUEST_TIMEOUT}. */
    private static final class UnansweredRequest extends Exception {
        UnansweredRequest(String message, HttpTimeoutException cause) {
            super(message, cause);
        }
    }

    private Reply sendOnce(HttpClient client, String method, HttpRequest.BodyPublisher body, String contentType)
            throws UnansweredRequest {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).method(method, body);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        accessToken.ifPresent(token -> request.header("Authorization", "Bearer " + token));
        try {
            HttpResponse<String> response = client.send(request.build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Reply(response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""), response.body());
        } catch (HttpTimeoutException e) {
            // A manager that leaves a request unanswered this long is stuck: what every thread of this
            // JVM (an in-process manager's among them) was doing is what tells why.
            System.err.println(method + " " + uri + ": no reply in " + REQUEST_TIMEOUT.toSeconds()
                    + " s; the threads of this JVM:\n" + threadDump() + stuckReport.get());
            throw new UnansweredRequest(method + " " + uri + " failed: " + e, e);
        } catch (IOException e) {
            throw new AssertionError(method + " " + uri + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(method + " " + uri + " was interrupted", e);
        }
    }

    private static String threadDump() {
        StringBuilder dump = new StringBuilder();
        for (ThreadInfo thread : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            dump.append('"').append(thread.getThreadName()).append("\" ").append(thread.getThreadState());
            if (thread.getLockName() != null) {
                dump.append(" on ").append(thread.getLockName());
            }
            if (thread.getLockOwnerName() != null) {
                dump.append(" held by \"").append(thread.getLockOwnerName()).append('"');
            }
            dump.append('\n');
            for (StackTraceElement frame : thread.getStackTrace()) {
                dump.append("    at ").append(frame).append('\n');
            }
        }
        return dump.toString();
    }

    /** Submits a job and waits, at most {@link #DEFAULT_JOB_TIMEOUT}, for it to end. */
    public Reply submitAndAwait(String json) {
        return submitAndAwait(json, DEFAULT_JOB_TIMEOUT);
    }

    /**
     * Submits a job (adding a job_id when the JSON has none) and polls get_status until it is done
     * or failed; answers that last get_status reply. A submission refused up front (result failed)
     * is answered as it is. Fails the test when the server did not understand the submission
     * (HTTP status other than 200) or the job did not end in time, quoting the last status.
     */
    public Reply submitAndAwait(String json, Duration timeout) {
        JsonNode request = Reply.json(json);
        if (!(request instanceof ObjectNode object)) {
            throw new IllegalArgumentException("a job is a JSON object, got " + json);
        }
        String jobId = object.hasNonNull("job_id") ? object.get("job_id").asText() : "testkit-" + UUID.randomUUID();
        object.put("job_id", jobId);
        Reply accepted = post(object.toString());
        if (accepted.status() != 200) {
            throw new AssertionError("submission of " + json + " was not understood: " + accepted);
        }
        if (accepted.result().equals("failed")) {
            return accepted;
        }
        return awaitJob(jobId, timeout);
    }

    /** Polls get_status until the job is done or failed; fails the test after the timeout. */
    public Reply awaitJob(String jobId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String getStatus = JsonNodeFactory.instance.objectNode()
                .put("job_type", "get_status").put("job_id", jobId).toString();
        while (true) {
            Reply status = post(getStatus);
            if (status.status() == 200 && ENDED.contains(status.result())) {
                return status;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job " + jobId + " did not end within " + timeout.toMillis()
                        + " ms; last status: " + status);
            }
            try {
                Thread.sleep(POLL_INTERVAL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for job " + jobId + "; last status: " + status, e);
            }
        }
    }
}
