package io.kunlun.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** Reading the API's reply objects: result, info, and get_status's extra fields. */
final class Replies {
    static final String FAILED = "failed";
    /** A query's refusal: set_variable's change that did not take effect, say. */
    static final String FALSE = "false";

    private Replies() {
    }

    static String result(JsonNode reply) {
        return reply.path("result").asText("");
    }

    static boolean isFailed(JsonNode reply) {
        return result(reply).equals(FAILED) || result(reply).equals(FALSE);
    }

    /** A job still queued or running: {@code accept} or {@code ongoing}. */
    static boolean isPending(JsonNode reply) {
        return result(reply).equals("accept") || result(reply).equals("ongoing");
    }

    /** What stderr says about a failed reply: the job when there is one, and the reason. */
    static String failure(JsonNode reply) {
        String info = reply.path("info").asText("the manager gave no reason");
        if (!reply.hasNonNull("job_id")) {
            return info;
        }
        return "job " + reply.get("job_id").asText() + " (" + reply.path("job_type").asText("?") + ") failed: " + info;
    }

    /** get_status as one line: {@code [ongoing 1/2] checking paths on 127.0.0.2}. */
    static String progress(JsonNode status) {
        String progress = status.hasNonNull("progress") ? " " + status.get("progress").asText() : "";
        return "[" + result(status) + progress + "] " + status.path("info").asText("");
    }
}
