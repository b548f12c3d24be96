package io.kunlun.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.Objects;
import java.util.Optional;

/**
 * One HTTP reply of the job API: its status code and its body as JSON. Two replies are equal when
 * their status codes and JSON values are (key order and spacing aside), so a test can state a
 * whole expected reply: {@code assertThat(reply).isEqualTo(Reply.of(400, "{...}"))}.
 */
public final class Reply {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int status;
    private final String contentType;
    private final String body;
    private final JsonNode json;

    Reply(int status, String contentType, String body) {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
        this.json = parseOrText(body);
    }

    /** An expected reply: a status code and a JSON text. */
    public static Reply of(int status, String jsonText) {
        return new Reply(status, "application/json; charset=utf-8", json(jsonText).toString());
    }

    /** Parses a JSON text, failing the test when it is not JSON. */
    public static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    public int status() {
        return status;
    }

    public String contentType() {
        return contentType;
    }

    public String body() {
        return body;
    }

    /** The body as JSON; a body that is not JSON is a JSON string holding the raw text. */
    public JsonNode json() {
        return json;
    }

    /** {@code result} of the reply, or "" when it has none. */
    public String result() {
        return text("result").orElse("");
    }

    /** {@code info} of the reply, or "" when it has none. */
    public String info() {
        return text("info").orElse("");
    }

    public Optional<String> text(String field) {
        JsonNode value = json.get(field);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value.asText());
    }

    private static JsonNode parseOrText(String body) {
        try {
            JsonNode parsed = JSON.readTree(body);
            return parsed == null || parsed.isMissingNode() ? TextNode.valueOf(body) : parsed;
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(body);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Reply that && status == that.status && json.equals(that.json);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, json);
    }

    @Override
    public String toString() {
        return "HTTP " + status + " " + body;
    }
}
