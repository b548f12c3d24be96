package io.kunlun.cli;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Usage: --help on every command, and exit status 2 for command lines that make no sense. */
class KunlunctlUsageTest {

    @TestFactory
    Stream<DynamicTest> everyCommandHasHelp() {
        List<List<String>> paths = new ArrayList<>();
        collect(Kunlunctl.commandLine(new CliEnvironment(Map.of(), false)), new ArrayList<>(), paths);
        assertThat(paths).contains(List.of("machine", "create"), List.of("job", "wait"), List.of("serve"));
        return paths.stream().map(path -> DynamicTest.dynamicTest(String.join(" ", path) + " --help", () -> {
            List<String> args = new ArrayList<>(path);
            args.add("--help");

            CliRun run = CliRun.of(args.toArray(String[]::new));

            assertThat(run.exitCode()).isZero();
            assertThat(run.out()).startsWith(String.join(" ", List.of("Usage:", "kunlunctl", String.join(" ", path)))
                    .trim() + " ");
            assertThat(run.out()).contains("Exit status:");
            assertThat(run.err()).isEmpty();
        }));
    }

    private static void collect(CommandLine command, List<String> path, List<List<String>> paths) {
        paths.add(List.copyOf(path));
        command.getSubcommands().forEach((name, sub) -> {
            List<String> deeper = new ArrayList<>(path);
            deeper.add(name);
            collect(sub, deeper, paths);
        });
    }

    @Test
    void helpOfMachineCreateListsItsTypedOptionsAndTheSharedOnes() {
        CliRun run = CliRun.of("machine", "create", "--help");

        assertThat(run.out()).contains("--hostaddr=ADDR", "--rack-id=ID", "--datadir=PATHS", "--logdir=PATHS",
                "--wal-log-dir=PATHS", "--comp-datadir=PATHS", "--total-mem=MB", "--total-cpu-cores=N",
                "--job-id=ID", "--user=NAME", "--no-wait", "--server=URL", "--home=DIR", "--token-file=FILE", "--token=TOKEN", "--cacert=FILE",
                "--output=FORMAT");
    }

    @Test
    void sharedOptionsMayComeBeforeTheCommand() {
        CliRun run = CliRun.of("--output", "json", "--server", "http://127.0.0.60:1", "--home", "/nonexistent",
                "meta", "mode");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("--server and --home exclude each other");
    }

    @Test
    void noCommandIsAUsageError() {
        CliRun run = CliRun.of();

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("Missing required subcommand\nUsage: kunlunctl ");
    }

    @Test
    void aNounWithoutAVerbIsAUsageError() {
        CliRun run = CliRun.of("machine");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("Missing required subcommand\nUsage: kunlunctl machine ");
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        CliRun run = CliRun.of("snapshot", "create");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("Unmatched arguments from index 0: 'snapshot', 'create'");
    }

    @Test
    void aMissingRequiredOptionIsAUsageError() {
        CliRun run = CliRun.of("machine", "create", "--datadir", "/a", "--logdir", "/a", "--wal-log-dir", "/a",
                "--comp-datadir", "/a", "--total-mem", "1", "--total-cpu-cores", "1");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("Missing required option: '--hostaddr=ADDR'\n");
    }

    @Test
    void aNumberOptionTakesOnlyNumbers() {
        CliRun run = CliRun.of("machine", "create", "--hostaddr", "127.0.0.61", "--datadir", "/a", "--logdir", "/a",
                "--wal-log-dir", "/a", "--comp-datadir", "/a", "--total-mem", "lots", "--total-cpu-cores", "1");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("Invalid value for option '--total-mem': 'lots' is not an int\n");
    }

    @Test
    void theOutputIsTableOrJson() {
        CliRun run = CliRun.of("meta", "mode", "--output", "yaml");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("Invalid value for option '--output': expected one of [TABLE, JSON]"
                + " (case-insensitive) but was 'yaml'\n");
    }

    @Test
    void aTimeoutIsADuration() {
        CliRun run = CliRun.of("job", "wait", "j1", "--timeout", "soon");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("Invalid value for option '--timeout': expected a duration such as 30s,"
                + " 10m or 2h, got 'soon'\n");
    }

    @Test
    void theServerIsAnHttpUrl() {
        CliRun run = CliRun.of("meta", "mode", "--server", "ftp://127.0.0.60");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("Invalid value for option '--server': expected http://HOST:PORT such as"
                + " http://127.0.0.1:57000, got 'ftp://127.0.0.60'\n");
    }

    @Test
    void aBadServerInTheEnvironmentExits1NamingTheVariable() {
        CliRun run = CliRun.withEnvironment(Map.of("KUNLUNCTL_SERVER", "127.0.0.60:57000"), "meta", "mode");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("kunlunctl: KUNLUNCTL_SERVER: expected http://HOST:PORT such as"
                + " http://127.0.0.1:57000, got '127.0.0.60:57000'\n");
    }

    @Test
    void serveRefusesTheOptionsOfAClient() {
        CliRun run = CliRun.of("serve", "--server", "http://127.0.0.60:1");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("serve runs the manager itself; --server, --token-file and --cacert are"
                + " for commands that talk to one\n");
    }
}
