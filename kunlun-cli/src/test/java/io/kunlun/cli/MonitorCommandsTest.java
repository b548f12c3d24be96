package io.kunlun.cli;

import io.kunlun.model.job.WireFormat;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.kunlun.cli.ScriptedManager.status;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code kunlunctl monitor ...}: the request each command submits and the info it prints. */
class MonitorCommandsTest {
    private static final String BIND = "127.0.0.89";

    private static CliRun run(ScriptedManager manager, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = Kunlunctl.commandLine(new CliEnvironment(Map.of("USER", "tester"), false));
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        String[] withServer = Stream.concat(Stream.of(args), Stream.of("--server", manager.url())).toArray(String[]::new);
        return new CliRun(line.execute(withServer), out.toString(), err.toString());
    }

    @Test
    void updatePrometheusSubmitsUpdatePrometheus() throws Exception {
        try (ScriptedManager manager = new ScriptedManager(BIND,
                List.of(status("done", "2/2", "update prometheus succeed")))) {
            CliRun run = run(manager, "monitor", "update-prometheus", "--job-id", "p1");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).startsWith("result    done\ninfo      update prometheus succeed\n");
            assertThat(manager.requests().get(0)).isEqualTo(WireFormat.json().readTree("""
                    {"job_type":"update_prometheus","job_id":"p1","user_name":"tester"}"""));
        }
    }

    @Test
    void mysqldExporterSubmitsTheStorageInstancesAddress() throws Exception {
        try (ScriptedManager manager = new ScriptedManager(BIND,
                List.of(status("done", "2/2", "mysqld exporter running on 127.0.0.85:59104")))) {
            CliRun run = run(manager, "monitor", "mysqld-exporter", "--job-id", "m1", "--ip", "127.0.0.85",
                    "--port", "57330");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).startsWith("result    done\ninfo      mysqld exporter running on 127.0.0.85:59104\n");
            assertThat(manager.requests().get(0)).isEqualTo(WireFormat.json().readTree("""
                    {"job_type":"mysqld_exporter","ip":"127.0.0.85","port":57330,"job_id":"m1",
                     "user_name":"tester"}"""));
        }
    }

    @Test
    void postgresExporterSubmitsTheCompsAddress() throws Exception {
        try (ScriptedManager manager = new ScriptedManager(BIND,
                List.of(status("done", "2/2", "postgres exporter running on 127.0.0.85:59187")))) {
            CliRun run = run(manager, "monitor", "postgres-exporter", "--job-id", "g1", "--ip", "127.0.0.85",
                    "--port", "57030");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(manager.requests().get(0)).isEqualTo(WireFormat.json().readTree("""
                    {"job_type":"postgres_exporter","ip":"127.0.0.85","port":57030,"job_id":"g1",
                     "user_name":"tester"}"""));
        }
    }

    @Test
    void anExporterCommandWithoutAPortIsAUsageError() {
        CliRun run = CliRun.of("monitor", "mysqld-exporter", "--ip", "127.0.0.85", "--server", "http://127.0.0.89:1");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("Missing required option: '--port=PORT'");
    }
}
