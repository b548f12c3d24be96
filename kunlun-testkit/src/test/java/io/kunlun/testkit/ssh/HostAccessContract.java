package io.kunlun.testkit.ssh;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.HostAccess;
import io.kunlun.model.PathSpace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * What every {@link HostAccess} does, wherever the machine is: the same tests run against this
 * machine and against SSH servers on loopback (which run the commands on this machine too, so the
 * test can look at the files they touch).
 */
abstract class HostAccessContract {
    @TempDir
    Path scratch;

    /** The access under test; it lives as long as the test class. */
    protected abstract HostAccess host();

    /** Words a shell would act on; a marker file shows whether any of them ran. */
    private List<String> hostileWords(Path marker) {
        return List.of("two words", "it's", "\"double\"", "; touch " + marker, "$(touch " + marker + ")",
                "`touch " + marker + "`", "| touch " + marker, "&& touch " + marker, "> " + marker, "$HOME",
                "*", "back\\slash", "", "new\nline", "tab\there", "'; touch " + marker + "; '");
    }

    @Test
    void argumentsArriveVerbatim() {
        List<String> words = hostileWords(scratch.resolve("marker"));
        List<String> argv = new ArrayList<>(List.of("printf", "%s\\0"));
        argv.addAll(words);

        CommandResult result = host().run(new Command(argv, null, Command.DEFAULT_TIMEOUT));

        assertThat(result.exitCode()).isZero();
        assertThat(Arrays.asList(result.stdout().split("\0", -1))).isEqualTo(withEmptyTail(words));
    }

    private static List<String> withEmptyTail(List<String> words) {
        List<String> fields = new ArrayList<>(words);
        fields.add("");
        return fields;
    }

    @Test
    void nothingInAnArgumentIsExecuted() {
        Path marker = scratch.resolve("marker");
        List<String> argv = new ArrayList<>(List.of("echo"));
        argv.addAll(hostileWords(marker));

        host().check(new Command(argv, null, Command.DEFAULT_TIMEOUT));

        assertThat(marker).doesNotExist();
    }

    @Test
    void stdinReachesTheCommand() {
        String input = "line one\nline 'two' with \"quotes\" and $(no command)\n";

        CommandResult result = host().run(Command.of("cat").withStdin(input.getBytes(StandardCharsets.UTF_8)));

        assertThat(result.stdout()).isEqualTo(input);
    }

    /** Larger than an SSH channel's window (2 MiB), so the sender has to wait for the window to open. */
    @Test
    void aLargeStdinArrivesWhole() {
        byte[] input = new byte[3 << 20];
        Arrays.fill(input, (byte) 'x');

        CommandResult result = host().run(Command.of("wc", "-c").withStdin(input));

        assertThat(result.stdout().strip()).isEqualTo(String.valueOf(input.length));
    }

    @Test
    void aNonZeroExitCodeIsReportedWithItsOutput() {
        CommandResult result = host().run(Command.of("sh", "-c", "echo out; echo err >&2; exit 3"));

        assertThat(result).isEqualTo(new CommandResult(3, "out\n", "err\n"));
    }

    @Test
    void aMissingProgramExits127() {
        CommandResult result = host().run(Command.of("kunlun-no-such-program"));

        assertThat(result.exitCode()).isEqualTo(127);
    }

    @Test
    void checkFailsWithTheCommandsErrorOutput() {
        ManagerException error = catchThrowableOfType(ManagerException.class,
                () -> host().check(Command.of("sh", "-c", "echo 'disk full' >&2; exit 2")));

        assertThat(error.code()).isEqualTo(ManagerException.Code.COMMAND_FAILED);
        assertThat(error).hasMessage(host().address() + ": sh exited with 2: disk full");
    }

    @Test
    void aCommandThatOverrunsItsTimeoutFailsNamingIt() {
        long start = System.nanoTime();
        ManagerException error = catchThrowableOfType(ManagerException.class,
                () -> host().run(Command.of("sleep", "30").withTimeout(Duration.ofSeconds(1))));

        assertThat(error.code()).isEqualTo(ManagerException.Code.HOST_UNREACHABLE);
        assertThat(error).hasMessage(host().address() + ": sleep timed out after 1 s");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void aCommandThatOverrunsItsTimeoutIsStoppedOnTheMachine() throws Exception {
        String uniqueDuration = "41.7" + ProcessHandle.current().pid();
        catchThrowableOfType(ManagerException.class,
                () -> host().run(Command.of("sleep", uniqueDuration).withTimeout(Duration.ofSeconds(1))));

        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (isSleeping(uniqueDuration) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(isSleeping(uniqueDuration)).as("sleep " + uniqueDuration + " still runs").isFalse();
    }

    private static boolean isSleeping(String duration) {
        return ProcessHandle.allProcesses().anyMatch(process -> process.info().command().orElse("").endsWith("/sleep")
                && process.info().arguments().map(arguments -> List.of(arguments).equals(List.of(duration))).orElse(false));
    }

    @Test
    void aWrittenFileReadsBackTheSame() {
        String path = scratch.resolve("it's a \"file\" $(x).txt").toString();
        String content = "first line\nit's \"quoted\" and `ticked`\n$(not run) ; && |\n\tunicode: 昆仑\n";

        host().writeFile(path, content);

        assertThat(host().readFile(path)).isEqualTo(content);
    }

    @Test
    void writingReplacesTheWholeFileAndLeavesNoTemporaryFile() throws Exception {
        Path file = scratch.resolve("config.cnf");
        Files.writeString(file, "an older and much longer content\n");

        host().writeFile(file.toString(), "new\n");

        assertThat(file).hasContent("new");
        try (var entries = Files.list(scratch)) {
            assertThat(entries).containsExactly(file);
        }
    }

    @Test
    void readingAMissingFileFailsNamingIt() {
        String path = scratch.resolve("missing.txt").toString();

        ManagerException error = catchThrowableOfType(ManagerException.class, () -> host().readFile(path));

        assertThat(error).hasMessage(host().address() + ": cat exited with 1: cat: " + path + ": No such file or directory");
    }

    @Test
    void existsTellsWhetherAPathIsThere() throws Exception {
        Path file = Files.writeString(scratch.resolve("present"), "x");

        assertThat(host().exists(file.toString())).isTrue();
        assertThat(host().exists(scratch.resolve("absent").toString())).isFalse();
    }

    @Test
    void onlyAWritableDirectoryIsAWritableDirectory() throws Exception {
        Path file = Files.writeString(scratch.resolve("a file"), "x");

        assertThat(host().isWritableDirectory(scratch.toString())).isTrue();
        assertThat(host().isWritableDirectory(file.toString())).isFalse();
        assertThat(host().isWritableDirectory(scratch.resolve("absent").toString())).isFalse();
    }

    @Test
    void spaceReportsTheFileSystemOfThePath() {
        PathSpace space = host().space(scratch.toString());

        assertThat(space.path()).isEqualTo(scratch.toString());
        assertThat(space.totalBytes()).isGreaterThan(space.freeBytes());
        assertThat(space.freeBytes()).isPositive();
    }
}
