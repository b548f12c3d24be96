package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The process lifecycle both engines share, with small shell scripts standing in for servers. */
class DetachedProcessTest {
    private final EngineFixture machine = new EngineFixture("127.0.0.50");
    private final InstanceAccount account = InstanceAccount.resolve(machine.host, EngineFixture.CONFIG.instanceAccount());
    private DetachedProcess process;

    @AfterEach
    void stopWhatever() {
        try (machine) {
            if (process != null) {
                process.stop(Duration.ZERO);
            }
        }
    }

    @Test
    void aServerThatIgnoresTheStopSignalIsKilledAfterTheGracePeriod() throws IOException {
        process = server("trap '' TERM INT\necho started\nwhile true; do sleep 0.1; done\n");
        process.start(() -> true, Duration.ofSeconds(5));
        long started = System.nanoTime();

        assertThat(process.stop(Duration.ofMillis(500))).isTrue();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        assertThat(process.isRunning()).isFalse();
    }

    @Test
    void aServerThatExitsBeforeAnsweringIsReportedWithTheTailOfItsLog() throws IOException {
        process = server("echo 'loading' \necho 'cannot bind: address in use' >&2\nexit 3\n");

        assertThatThrownBy(() -> process.start(() -> false, Duration.ofSeconds(10)))
                .isInstanceOf(ManagerException.class)
                .hasMessage("127.0.0.50:1: sh exited: loading\ncannot bind: address in use");
    }

    @Test
    void aServerThatNeverAnswersIsStoppedAtTheDeadline() throws IOException {
        process = server("echo waiting\nwhile true; do sleep 0.1; done\n");

        assertThatThrownBy(() -> process.start(() -> false, Duration.ofSeconds(1)))
                .isInstanceOf(ManagerException.class)
                .hasMessage("127.0.0.50:1: sh did not answer within 1 s: waiting");
        assertThat(process.isRunning()).isFalse();
    }

    @Test
    void stoppingAServerThatDoesNotRunSaysSo() throws IOException {
        process = server("exit 0\n");

        assertThat(process.stop(Duration.ofSeconds(1))).isFalse();
    }

    @Test
    void commandsNamingAPathInTheDirectoriesAreKilledAndThoseOfAnotherDirectoryAreNot() throws Exception {
        Path directory = Files.createDirectory(machine.root.resolve("instance"));
        Path sibling = Files.createDirectory(machine.root.resolve("instance2"));
        Process inside = idleNaming(directory.resolve("seed"));
        Process beside = idleNaming(sibling.resolve("seed"));
        try {
            DetachedProcess.killCommandsIn(machine.host, "127.0.0.50:1", List.of(directory.toString()));

            assertThat(inside.isAlive()).isFalse();
            assertThat(beside.isAlive()).isTrue();
        } finally {
            inside.destroyForcibly();
            beside.destroyForcibly();
        }
    }

    /** A shell that idles with a path among its arguments, as a stream's extractor names its target. */
    private static Process idleNaming(Path path) throws IOException {
        return new ProcessBuilder("/bin/sh", "-c", "while true; do sleep 0.1; done", "sh", "-C", path.toString())
                .start();
    }

    /**
     * A script run by /bin/sh, recognised by the path of its marker file among its arguments,
     * its log in a directory of the instance account's.
     */
    private DetachedProcess server(String script) throws IOException {
        // Instance directories live at <root>/instance_data/<kind>/<port>, as on a machine.
        String home = machine.root.resolve("instance_data/detached/1").toString();
        InstanceDirectories.create(machine.host, account, "127.0.0.50:1", List.of(home), EngineFixture.MAKER);
        Path file = machine.root.resolve("server.sh");
        Files.writeString(file, script);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        String identity = "--marker=" + machine.root.resolve("marker");
        return new DetachedProcess(machine.host, account, "127.0.0.50:1", List.of("/bin/sh", file.toString(), identity),
                identity, home + "/server.log", "TERM");
    }
}
