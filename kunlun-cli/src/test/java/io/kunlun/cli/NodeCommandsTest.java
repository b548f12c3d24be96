package io.kunlun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.WireFormat;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static io.kunlun.cli.ScriptedManager.status;
import static org.assertj.core.api.Assertions.assertThat;

/** kunlunctl node add / node delete send the API's add_nodes and delete_node requests. */
class NodeCommandsTest {
    private static final String BIND = "127.0.0.104";

    @Test
    void nodeAddSendsAnAddNodesRequestTheManagerAccepts() throws Exception {
        JsonNode sent = send("node", "add", "--cluster", "c1", "--shard", "shard2", "--nodes", "2",
                "--machine", "127.0.0.5", "--machine", "127.0.0.6");

        assertThat(parse(sent)).isEqualTo(new JobRequest.AddNodes("c1", Optional.of("shard2"), 2,
                Optional.of(List.of("127.0.0.5", "127.0.0.6"))));
    }

    @Test
    void nodeAddWithoutAShardAddsToEveryShard() throws Exception {
        JsonNode sent = send("node", "add", "--cluster", "c1", "--nodes", "1");

        assertThat(parse(sent)).isEqualTo(new JobRequest.AddNodes("c1", Optional.empty(), 1, Optional.empty()));
    }

    @Test
    void nodeDeleteSendsADeleteNodeRequestTheManagerAccepts() throws Exception {
        JsonNode sent = send("node", "delete", "--cluster", "c1", "--shard", "shard1", "--ip", "127.0.0.5",
                "--port", "57330");

        assertThat(parse(sent)).isEqualTo(new JobRequest.DeleteNode("c1", "shard1",
                new JobRequest.InstanceAddress("127.0.0.5", 57330)));
    }

    private static JobRequest parse(JsonNode sent) {
        return WireFormat.parse((ObjectNode) sent).request();
    }

    private static JsonNode send(String... args) throws Exception {
        try (ScriptedManager manager = new ScriptedManager(BIND, List.of(status("done", null, "127.0.0.5:57334")))) {
            CommandLine line = Kunlunctl.commandLine(new CliEnvironment(Map.of("USER", "tester"), false));
            line.setOut(new PrintWriter(new StringWriter(), true));
            StringWriter err = new StringWriter();
            line.setErr(new PrintWriter(err, true));
            int exit = line.execute(Stream.concat(Stream.of(args), Stream.of("--server", manager.url()))
                    .toArray(String[]::new));
            assertThat(exit).as(err.toString()).isZero();
            return manager.requests().get(0);
        }
    }
}
