package io.kunlun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.kunlun.model.job.WireFormat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP peer that speaks the job API from a script: submissions are accepted, and get_status
 * answers the scripted statuses one per poll, the last one forever. For what a real manager does
 * too fast to watch: a job's progress while kunlunctl waits, and a job that never ends. Or, for
 * queries, one fixed reply to everything.
 */
final class ScriptedManager implements AutoCloseable {
    private final HttpServer server;
    private final Deque<String> statuses = new ConcurrentLinkedDeque<>();
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();

    ScriptedManager(String bind, List<String> statusScript) throws IOException {
        this(bind, statusScript, null);
    }

    /** A peer that answers every request, queries included, with {@code reply}. */
    static ScriptedManager answering(String bind, String reply) throws IOException {
        return new ScriptedManager(bind, List.of(), reply);
    }

    private ScriptedManager(String bind, List<String> statusScript, String fixedReply) throws IOException {
        statuses.addAll(statusScript);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bind), 0), 0);
        server.createContext("/", exchange -> {
            JsonNode request = WireFormat.json().readTree(exchange.getRequestBody().readAllBytes());
            requests.add(request);
            String reply = fixedReply != null ? fixedReply
                    : request.path("job_type").asText().equals("get_status") ? nextStatus()
                    : "{\"result\":\"accept\",\"info\":\"queued\",\"job_id\":\"" + request.path("job_id").asText() + "\"}";
            byte[] body = reply.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    private String nextStatus() {
        return statuses.size() > 1 ? statuses.pollFirst() : statuses.peekFirst();
    }

    String url() {
        return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
    }

    List<JsonNode> requests() {
        return new ArrayList<>(requests);
    }

    static String status(String result, String progress, String info) {
        ObjectNode status = WireFormat.json().createObjectNode().put("result", result).put("info", info)
                .put("job_id", "j1").put("job_type", "create_machine");
        if (progress != null) {
            status.put("progress", progress);
        }
        return status.toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
