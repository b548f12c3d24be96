package io.kunlun.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManagerProcessTest {
    @RegisterExtension
    static ManagedProcesses processes = ManagedProcesses.create();

    @TempDir
    Path home;

    @Test
    void aManagerThatCannotStartFailsWithItsOutput() {
        assertThatThrownBy(() -> ManagerProcess.start(home, processes, "--bogus"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the manager on " + home + " exited before listening (exit code 2); output:\n"
                        + "serve: unknown flag --bogus");
    }

    @Test
    void killEndsTheProcessAndRestartServesTheSameHomeAgain() {
        ManagerProcess manager = ManagerProcess.start(home, processes);
        long firstPid = manager.pid();

        manager.kill();
        assertThat(ProcessHandle.of(firstPid).filter(ProcessHandle::isAlive)).isEmpty();
        manager.restart();

        assertThat(manager.pid()).isNotEqualTo(firstPid);
        assertThat(manager.home()).isEqualTo(home);
        assertThat(manager.client().post("{\"job_type\":\"get_meta_mode\"}"))
                .isEqualTo(Reply.of(200, "{\"mode\":\"no_rep\"}"));
    }
}
