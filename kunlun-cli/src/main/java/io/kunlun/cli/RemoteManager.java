package io.kunlun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.WireFormat;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** A manager reached over its HTTP job API: {@code POST /} with the request object as the body. */
final class RemoteManager implements ManagerConnection {
    static final URI DEFAULT_URL = URI.create("http://127.0.0.1:57000");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    // Requests are answered at once (async jobs are only queued); a manager silent this long is stuck.
    private static final Duration REPLY_TIMEOUT = Duration.ofMinutes(2);
    private static final int SHOWN_BODY_CHARS = 200;

    private final URI url;
    private final URI endpoint;
    private final Optional<String> accessToken;
    private final HttpClient http;

    /** @param trust whom to trust for https, instead of the JDK's authorities */
    RemoteManager(URI url, Optional<String> accessToken, Optional<SSLContext> trust) {
        this.url = url;
        this.endpoint = url.getRawPath() == null || url.getRawPath().isEmpty() ? url.resolve("/") : url;
        this.accessToken = accessToken;
        HttpClient.Builder client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT);
        trust.ifPresent(client::sslContext);
        this.http = client.build();
    }

    /** Parses a manager's address, e.g. {@code http://127.0.0.1:57000}; the message names what is wrong. */
    static URI parseUrl(String text) {
        URI parsed;
        try {
            parsed = new URI(text.trim());
        } catch (URISyntaxException e) {
            parsed = null;
        }
        if (parsed == null || parsed.getScheme() == null || parsed.getHost() == null
                || !(parsed.getScheme().equals("http") || parsed.getScheme().equals("https"))) {
            throw new IllegalArgumentException("expected http://HOST:PORT such as " + DEFAULT_URL + ", got '" + text + "'");
        }
        return parsed;
    }

    @Override
    public ObjectNode send(ObjectNode request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint)
                .timeout(REPLY_TIMEOUT)
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(request.toString(), StandardCharsets.UTF_8));
        accessToken.ifPresent(token -> builder.header("Authorization", "Bearer " + token));
        HttpResponse<String> response;
        try {
            response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException e) {
            throw new CliFailure("cannot reach the manager at " + url + ": connect timed out after "
                    + CONNECT_TIMEOUT.toSeconds() + " s");
        } catch (HttpTimeoutException e) {
            throw new CliFailure("the manager at " + url + " did not answer within " + REPLY_TIMEOUT.toMinutes() + " min");
        } catch (ConnectException e) {
            throw new CliFailure("cannot reach the manager at " + url + ": " + connectFailure());
        } catch (IOException e) {
            throw new CliFailure("cannot reach the manager at " + url + ": " + innermostMessage(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("interrupted while waiting for the manager at " + url);
        }
        return reply(response);
    }

    private ObjectNode reply(HttpResponse<String> response) {
        JsonNode body;
        try {
            body = WireFormat.json().readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        if (body == null || !body.isObject()) {
            String text = response.body();
            throw new CliFailure("the manager at " + url + " answered HTTP " + response.statusCode()
                    + " with something that is not a JSON object: "
                    + (text.length() > SHOWN_BODY_CHARS ? text.substring(0, SHOWN_BODY_CHARS) + "..." : text));
        }
        if (response.statusCode() == HttpURLConnection.HTTP_UNAUTHORIZED) {
            throw new CliFailure("the manager at " + url + " refused the request: " + body.path("info").asText()
                    + (accessToken.isPresent() ? " (the access token given was not accepted)"
                    : " (give it with --token-file or KUNLUN_ACCESS_TOKEN)"));
        }
        return (ObjectNode) body;
    }

    /**
     * Why a connection fails, in the system's words ("Connection refused", "No route to host"):
     * Java 17's HTTP client reports a ConnectException without them, a plain socket keeps them.
     */
    private String connectFailure() {
        int port = endpoint.getPort() >= 0 ? endpoint.getPort() : endpoint.getScheme().equals("https") ? 443 : 80;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName(endpoint.getHost()), port),
                    (int) CONNECT_TIMEOUT.toMillis());
            return "the connection failed, though the port accepts connections now";
        } catch (UnknownHostException e) {
            return "unknown host " + endpoint.getHost();
        } catch (SocketTimeoutException e) {
            return "connect timed out after " + CONNECT_TIMEOUT.toSeconds() + " s";
        } catch (IOException e) {
            return innermostMessage(e);
        }
    }

    /** The deepest message of a chain of wrapped I/O errors: the cause in the system's words. */
    private static String innermostMessage(Throwable error) {
        String message = error.toString();
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
                message = cause.getMessage();
            }
        }
        return message;
    }

    @Override
    public void close() {
        // HttpClient frees its connections when it is collected; Java 17 has no close().
    }
}
