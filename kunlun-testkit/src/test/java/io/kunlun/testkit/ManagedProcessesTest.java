package io.kunlun.testkit;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ManagedProcessesTest {
    /** A shell that starts two sleeping children and waits for them. */
    private static ProcessBuilder shellWithChildren() {
        return new ProcessBuilder("sh", "-c", "sleep 300 & sleep 300 & wait");
    }

    @Test
    void closeKillsEveryTrackedProcessAndItsDescendants() throws Exception {
        ManagedProcesses processes = ManagedProcesses.create();
        Process shell = processes.start(shellWithChildren());
        List<ProcessHandle> children = awaitChildren(shell, 2);

        processes.close();

        assertThat(ManagedProcesses.isRunning(shell.toHandle())).isFalse();
        assertThat(children).noneMatch(ManagedProcesses::isRunning);
    }

    @Test
    void killEndsOneProcessTreeAndLeavesTheOthers() throws Exception {
        try (ManagedProcesses processes = ManagedProcesses.create()) {
            Process first = processes.start(shellWithChildren());
            Process second = processes.start(new ProcessBuilder("sleep", "300"));
            List<ProcessHandle> children = awaitChildren(first, 2);

            processes.kill(first.toHandle());

            assertThat(ManagedProcesses.isRunning(first.toHandle())).isFalse();
            assertThat(children).noneMatch(ManagedProcesses::isRunning);
            assertThat(ManagedProcesses.isRunning(second.toHandle())).isTrue();
        }
    }

    @Test
    void aProcessStartedElsewhereCanBeTrackedByItsHandle() throws Exception {
        Process daemon = new ProcessBuilder("sleep", "300").start();
        ManagedProcesses processes = ManagedProcesses.create();
        processes.track(ProcessHandle.of(daemon.pid()).orElseThrow());

        processes.close();

        assertThat(ManagedProcesses.isRunning(daemon.toHandle())).isFalse();
    }

    @Test
    void aProcessThatEndedByItselfIsNoTrouble() throws Exception {
        ManagedProcesses processes = ManagedProcesses.create();
        Process quick = processes.start(new ProcessBuilder("true"));
        quick.waitFor();

        processes.close();

        assertThat(quick.exitValue()).isZero();
    }

    /** The JUnit callbacks as JUnit calls them for a static field; the extension ignores the context. */
    @Test
    void asAStaticExtensionAProcessStartedInATestDiesWhenTheTestEnds() throws IOException {
        ManagedProcesses processes = ManagedProcesses.create();
        processes.beforeAll(null);
        Process forTheClass = processes.start(new ProcessBuilder("sleep", "300"));
        processes.beforeEach(null);
        Process forTheTest = processes.start(new ProcessBuilder("sleep", "300"));

        processes.afterEach(null);

        assertThat(ManagedProcesses.isRunning(forTheTest.toHandle())).isFalse();
        assertThat(ManagedProcesses.isRunning(forTheClass.toHandle())).isTrue();
        processes.afterAll(null);
        assertThat(ManagedProcesses.isRunning(forTheClass.toHandle())).isFalse();
    }

    private static List<ProcessHandle> awaitChildren(Process parent, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> children = parent.children().toList();
            if (children.size() == count) {
                return children;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the shell did not start " + count + " children");
    }
}
