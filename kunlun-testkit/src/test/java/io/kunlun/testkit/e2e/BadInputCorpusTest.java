package io.kunlun.testkit.e2e;

import io.kunlun.testkit.ApiClient;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Bad input never hurts the server and changes nothing: each request of the corpus answers
 * HTTP 400 with a failure naming the problem, no job is recorded, and the server goes on
 * answering normally.
 */
class BadInputCorpusTest {
    @RegisterExtension
    static TestManager manager = TestManager.create();
    @RegisterExtension
    static LoopbackMachines machines = LoopbackMachines.range("127.0.0.30", "127.0.0.39");

    /** A valid create_machine request; the corpus breaks one field of it at a time. */
    private static final String CREATE_MACHINE = """
            {"job_type":"create_machine","job_id":"bad-machine","hostaddr":"127.0.0.30","rack_id":"1",\
            "datadir":"/srv/data","logdir":"/srv/log","wal_log_dir":"/srv/wal","comp_datadir":"/srv/comp",\
            "total_mem":"1024","total_cpu_cores":"8","user_name":"zhangsan"}""";

    static Stream<Arguments> corpus() {
        return Stream.of(
                arguments("malformed JSON", utf8("{\"job_type\":"),
                        "request body is not valid JSON: Unexpected end-of-input within/between Object entries"
                                + " (line 1, column 13)"),
                arguments("empty body", new byte[0],
                        "request body is empty: send one JSON object with job_type"),
                arguments("only white space", utf8(" \n\t "),
                        "request body is empty: send one JSON object with job_type"),
                arguments("a JSON array", utf8("[{\"job_type\":\"get_meta\"}]"),
                        "request body must be a JSON object, got an array"),
                arguments("a JSON string", utf8("\"get_meta\""),
                        "request body must be a JSON object, got \"get_meta\""),
                arguments("null", utf8("null"),
                        "request body must be a JSON object, got null"),
                arguments("a number", utf8("57000"),
                        "request body must be a JSON object, got 57000"),
                arguments("missing job_type", utf8("{\"job_id\":\"x1\"}"),
                        "job_type is required"),
                arguments("job_type as a number", utf8("{\"job_type\":7}"),
                        "job_type \"7\" is unknown"),
                arguments("job_type as an object", utf8("{\"job_type\":{}}"),
                        "job_type must be a string, got an object"),
                arguments("unknown job_type", utf8("{\"job_type\":\"drop_everything\"}"),
                        "job_type \"drop_everything\" is unknown"),
                arguments("missing required field", utf8(machineRequest("wal_log_dir", null)),
                        "wal_log_dir is required"),
                arguments("number field as an object", utf8(machineRequest("total_mem", "{}")),
                        "total_mem must be an integer from 1 to 16777216, got an object"),
                arguments("number field as a word", utf8(createCluster("\"two\"")),
                        "shards must be an integer from 1 to 256, got \"two\""),
                arguments("number field as a fraction", utf8(createCluster("1.5")),
                        "shards must be an integer from 1 to 256, got 1.5"),
                arguments("zero shards", utf8(createCluster("\"0\"")),
                        "shards must be an integer from 1 to 256, got \"0\""),
                arguments("negative memory", utf8(machineRequest("total_mem", "\"-1\"")),
                        "total_mem must be an integer from 1 to 16777216, got \"-1\""),
                arguments("a relative path", utf8(machineRequest("datadir", "\"data\"")),
                        "datadir must be ';'-separated absolute paths of letters, digits, '.', '_', '+', '-' and '/',"
                                + " got \"data\""),
                arguments("a parent reference in a path", utf8(machineRequest("datadir", "\"/tmp/../etc\"")),
                        "datadir must be ';'-separated absolute paths of letters, digits, '.', '_', '+', '-' and '/',"
                                + " got \"/tmp/../etc\""),
                arguments("a control character in a host", utf8(machineRequest("hostaddr", "\"127.0.0.30\\u0000\"")),
                        "hostaddr must be an IPv4 address or a host name, got \"127.0.0.30\\u0000\""),
                arguments("a new line in a path", utf8(machineRequest("logdir", "\"/srv/log\\nrm -rf /\"")),
                        "logdir must be ';'-separated absolute paths of letters, digits, '.', '_', '+', '-' and '/',"
                                + " got \"/srv/log\\u000arm -rf /\""),
                arguments("a bad job_id", utf8("{\"job_type\":\"get_status\",\"job_id\":\"a b\"}"),
                        "job_id must hold 1 to 64 letters, digits, '.', '_', ':' or '-', got \"a b\""),
                arguments("non-UTF-8 bytes", new byte[] {'{', '"', 'j', (byte) 0xff, (byte) 0xfe, '"', ':', '1', '}'},
                        "request body is not valid UTF-8"),
                arguments("a 2 MiB body", twoMebibytes(),
                        "request body is 2097152 bytes, the limit is 1048576"),
                arguments("duplicate keys", utf8("{\"job_type\":\"get_meta\",\"job_type\":\"create_machine\"}"),
                        "request body is not valid JSON: Duplicate field 'job_type' (line 1, column 34)"),
                arguments("trailing garbage", utf8("{\"job_type\":\"get_meta\"} {\"job_type\":\"get_meta\"}"),
                        "request body is not valid JSON: more content after the first value (line 1, column 25)"),
                arguments("deep nesting", utf8("[".repeat(5000)),
                        "request body is not valid JSON: Document nesting depth (1001) exceeds the maximum allowed (1000)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void isRefusedWithHttp400NamingTheProblem(String name, byte[] body, String info) {
        assertThat(manager.post(body, ApiClient.CURL_FORM))
                .isEqualTo(Reply.of(400, "{\"result\":\"failed\",\"info\":" + quoted(info) + "}"));
    }

    @Test
    void aStreamedBodyAboveTheLimitIsRefusedWithHttp400() {
        assertThat(manager.client().postStreamed(twoMebibytes(), ApiClient.CURL_FORM)).isEqualTo(Reply.of(400,
                "{\"result\":\"failed\",\"info\":\"request body is 2097152 bytes, the limit is 1048576\"}"));
    }

    @Test
    void aStreamedBodyWithinTheLimitIsAnswered() {
        assertThat(manager.client().postStreamed(utf8("{\"job_type\":\"get_meta_mode\"}"), ApiClient.CURL_FORM))
                .isEqualTo(Reply.of(200, "{\"mode\":\"no_rep\"}"));
    }

    @Test
    void anyContentTypeIsReadAsJson() {
        assertThat(manager.post(utf8("{\"job_type\":\"get_meta_mode\"}"), "text/plain"))
                .isEqualTo(Reply.of(200, "{\"mode\":\"no_rep\"}"));
    }

    @Test
    void afterTheWholeCorpusNothingChangedAndTheServerAnswersNormally() {
        corpus().forEach(bad -> manager.post((byte[]) bad.get()[1], ApiClient.CURL_FORM));

        assertThat(manager.post("{\"job_type\":\"list_jobs\"}")).isEqualTo(Reply.of(200, "{\"jobs\":[]}"));
        assertThat(manager.post("{\"job_type\":\"list_machines\"}")).isEqualTo(Reply.of(200, "{}"));
        Reply created = manager.submitAndAwait(machines.take().createMachineJson("after-the-corpus"));
        assertThat(created.info()).isEqualTo("create machine succeed");
    }

    /** The valid request with {@code field} set to a JSON value, or removed when the value is null. */
    private static String machineRequest(String field, String jsonValue) {
        ObjectNode request = (ObjectNode) Reply.json(CREATE_MACHINE);
        if (jsonValue == null) {
            request.remove(field);
        } else {
            request.set(field, Reply.json(jsonValue));
        }
        return request.toString();
    }

    private static String createCluster(String shards) {
        return "{\"job_type\":\"create_cluster\",\"job_id\":\"bad-shards\",\"ha_mode\":\"no_rep\",\"nodes\":\"1\","
                + "\"comps\":\"1\",\"shards\":" + shards + "}";
    }

    private static byte[] twoMebibytes() {
        byte[] body = new byte[2 << 20];
        Arrays.fill(body, (byte) ' ');
        byte[] start = utf8("{\"job_type\":\"get_meta\",\"pad\":\"");
        System.arraycopy(start, 0, body, 0, start.length);
        body[body.length - 2] = '"';
        body[body.length - 1] = '}';
        return body;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String quoted(String text) {
        return io.kunlun.model.job.WireFormat.json().valueToTree(text).toString();
    }
}
