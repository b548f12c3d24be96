package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.WireFormat;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** kunlunctl manager list sends list_managers and prints one row per manager. */
class ManagerCommandsTest {
    private static final String BIND = "127.0.0.143";

    @Test
    void managerListSendsListManagersAndPrintsOneRowPerManager() throws Exception {
        String reply = """
                {"managers":[{"address":"127.0.0.1:57000","role":"leader","last_heartbeat":"2026-12-02 12:00:00",
                              "fencing":"3","host":"h","pid":"11"},
                             {"address":"127.0.0.1:57001","role":"follower","last_heartbeat":"2026-12-02 11:59:59",
                              "fencing":"2","host":"h","pid":"12"}]}""";
        try (ScriptedManager manager = ScriptedManager.answering(BIND, reply)) {
            CliRun run = CliRun.of("manager", "list", "--server", manager.url());

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(WireFormat.parse((ObjectNode) manager.requests().get(0)).request())
                    .isEqualTo(new JobRequest.ListManagers());
            assertThat(run.out()).isEqualTo("""
                    ADDRESS          ROLE      LAST_HEARTBEAT       FENCING  HOST  PID
                    127.0.0.1:57000  leader    2026-12-02 12:00:00  3        h     11
                    127.0.0.1:57001  follower  2026-12-02 11:59:59  2        h     12
                    """);
        }
    }
}
