package io.kunlun.testkit.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.model.InvalidRequestException;
import io.kunlun.model.job.Submission;
import io.kunlun.model.job.WireFormat;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * docs/api.md's examples, read from the file: every {@code curl -d '…'} body is a valid request,
 * and the server's reply to each example it can answer on a fresh manager (the inline queries, and
 * an async job that only fails) has the shape the reply shown under it has.
 */
class ApiDocExamplesTest {
    private static final Path API_DOC = Path.of("..", "docs", "api.md");
    /** A command at the start of a line (in a code block, perhaps after a prompt), not one quoted in prose. */
    private static final Pattern CURL_BODY = Pattern.compile("(?m)^(?:\\$ )?curl [^\\n]*?-d '([^']*)'((?:[^\\n]*\\\\\\n)*[^\\n]*)\\n");
    private static final Pattern SHOWN_REPLY = Pattern.compile("\\A(?:# )?(\\{[^\\n]*\\})\\n");
    /** Keys numbered per entry (meta0, cluster1, …) stand for one another. */
    private static final Pattern NUMBERED = Pattern.compile("([a-z_]+?)[0-9]+");

    @RegisterExtension
    static TestManager manager = TestManager.create();

    /** One example: the request body, and the reply shown on the line after the command, if JSON. */
    private record Example(String body, Optional<JsonNode> shownReply) {
    }

    private static List<Example> examples() throws IOException {
        String doc = Files.readString(API_DOC, StandardCharsets.UTF_8);
        List<Example> examples = new ArrayList<>();
        Matcher curl = CURL_BODY.matcher(doc);
        while (curl.find()) {
            Matcher reply = SHOWN_REPLY.matcher(doc.substring(curl.end()));
            Optional<JsonNode> shown = reply.find() ? json(reply.group(1)) : Optional.empty();
            examples.add(new Example(curl.group(1).replace("\n", " "), shown));
        }
        return examples;
    }

    /** A shown reply that elides parts ("…") is no JSON and shows no complete shape. */
    private static Optional<JsonNode> json(String text) {
        try {
            return Optional.of(WireFormat.json().readTree(text));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Test
    void theDocumentHasExamplesToCheck() throws IOException {
        assertThat(examples()).hasSizeGreaterThan(30);
        assertThat(examples()).filteredOn(example -> example.shownReply().isPresent()).hasSizeGreaterThan(5);
    }

    @Test
    void everyRequestExampleIsAValidRequest() throws IOException {
        for (Example example : examples()) {
            try {
                WireFormat.parse(example.body().getBytes(StandardCharsets.UTF_8));
            } catch (InvalidRequestException e) {
                fail("docs/api.md example " + example.body() + " is refused: " + e.getMessage());
            }
        }
    }

    @Test
    void theRepliesShownHaveTheShapeOfTheServersReplies() throws IOException {
        int compared = 0;
        for (Example example : examples()) {
            if (example.shownReply().isEmpty()) {
                continue;
            }
            Submission submission = WireFormat.parse(example.body().getBytes(StandardCharsets.UTF_8));
            boolean onlyFails = example.shownReply().get().path("result").asText().equals("accept")
                    && submission.type().wireName().startsWith("delete_");
            if (submission.type().isAsync() && !onlyFails) {
                continue; // it would really run: create a cluster, say
            }
            // A job's status has the fields of its state; the shown ones are of an ended job.
            Reply reply = submission.type().wireName().equals("get_status")
                    ? manager.client().awaitJob(submission.jobId().orElseThrow(), Duration.ofSeconds(30))
                    : manager.post(example.body());
            assertThat(reply.status()).as(example.body()).isEqualTo(200);
            if (!reply.result().equals("failed")) {
                assertSameShape(reply.json(), example.shownReply().get(), example.body());
                compared++;
            }
        }
        assertThat(compared).as("examples whose reply was compared").isGreaterThanOrEqualTo(3);
    }

    /**
     * Every key the server sent is one the shown reply has, at every level, and the other way
     * round (an empty object, such as no clusters yet, shows nothing to compare).
     */
    private static void assertSameShape(JsonNode sent, JsonNode shown, String request) {
        if (sent.isObject()) {
            assertThat(shown.isObject()).as("reply to " + request + ": " + shown + " is an object").isTrue();
            if (!sent.isEmpty()) {
                assertThat(sent.size()).as("keys of the reply to " + request + ": " + sent + " against " + shown)
                        .isEqualTo(shown.size());
            }
            Iterator<Map.Entry<String, JsonNode>> fields = sent.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                JsonNode counterpart = counterpart(shown, field.getKey());
                if (counterpart == null) {
                    fail("reply to " + request + " has " + field.getKey() + ", which docs/api.md does not show in "
                            + shown);
                }
                assertSameShape(field.getValue(), counterpart, request);
            }
        } else if (sent.isArray() && !sent.isEmpty() && !shown.isEmpty()) {
            assertSameShape(sent.get(0), shown.get(0), request);
        }
    }

    private static JsonNode counterpart(JsonNode shown, String key) {
        if (shown.has(key)) {
            return shown.get(key);
        }
        Matcher numbered = NUMBERED.matcher(key);
        if (!numbered.matches()) {
            return null;
        }
        Iterator<String> names = shown.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            Matcher other = NUMBERED.matcher(name);
            if (other.matches() && other.group(1).equals(numbered.group(1))) {
                return shown.get(name);
            }
        }
        return null;
    }
}
