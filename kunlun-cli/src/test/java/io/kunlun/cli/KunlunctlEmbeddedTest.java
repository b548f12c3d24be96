package io.kunlun.cli;

import io.kunlun.core.ClusterManager;
import io.kunlun.model.job.JobStatus;
import io.kunlun.testkit.TestPorts;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** kunlunctl --home: the manager runs inside kunlunctl for the length of one command. */
class KunlunctlEmbeddedTest extends KunlunctlContract {

    @Override
    List<String> target() {
        return List.of("--home", home.toString());
    }

    @Override
    String userOf(String jobId) {
        try (ClusterManager manager = ClusterManager.open(TestPorts.managerConfig(home))) {
            return manager.status(jobId).orElseThrow().userName();
        }
    }

    @Test
    void noWaitIsAUsageErrorBecauseTheJobRunsInThisProcess() {
        CliRun run = createMachine("127.0.0.61", "m1", "--no-wait");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("--no-wait needs a running manager (--server): with --home the job runs"
                + " inside kunlunctl, which waits for it to end\n");
        assertThat(jobIdsInTheStore()).isEmpty();
    }

    @Test
    void aHomeInUseByARunningManagerIsReported() throws Exception {
        Process serve = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.kunlun.server.Serve",
                "--home", home.toString(), "--bind", KunlunctlRemoteTest.BIND, "--port", "0")
                .redirectErrorStream(true)
                .start();
        try {
            awaitListening(serve);

            CliRun run = kunlunctl("meta", "mode");

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).isEqualTo("kunlunctl: cannot open the embedded metadata store "
                    + home.toAbsolutePath().resolve("meta").resolve("kunlun") + ".mv.db: it is in use by another"
                    + " manager process\n");
        } finally {
            serve.destroy();
            if (!serve.waitFor(20, TimeUnit.SECONDS)) {
                serve.destroyForcibly().waitFor();
            }
        }
    }

    private List<String> jobIdsInTheStore() {
        try (ClusterManager manager = ClusterManager.open(TestPorts.managerConfig(home))) {
            return manager.jobs(10).stream().map(JobStatus::jobId).toList();
        }
    }

    private static void awaitListening(Process serve) throws IOException {
        BufferedReader output = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line = output.readLine(); line != null; line = output.readLine()) {
            seen.append(line).append('\n');
            if (line.startsWith("kunlun manager listening on ")) {
                // Keep draining, so that a full pipe never blocks the manager.
                Thread drain = new Thread(() -> output.lines().forEach(ignored -> { }), "serve-output");
                drain.setDaemon(true);
                drain.start();
                return;
            }
        }
        throw new IllegalStateException("the manager exited before listening:\n" + seen);
    }
}
