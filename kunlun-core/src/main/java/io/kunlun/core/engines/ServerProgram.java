package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.HostAccess;

import java.util.List;

/** Finding out what a configured server program is, on its machine. */
final class ServerProgram {
    private static final int SUMMARY_LINES = 10;

    private ServerProgram() {
    }

    /** The first line the program prints for {@code --version}; refuses a missing program. */
    static String versionLine(HostAccess host, String path, String role) {
        if (!host.run(Command.of("test", "-f", path, "-a", "-x", path)).succeeded()) {
            throw ManagerException.refused(host.address() + ": " + role + " " + path + " is missing or not executable");
        }
        CommandResult result = host.run(Command.of(path, "--version"));
        String output = result.stdout().strip();
        if (!result.succeeded() || output.isEmpty()) {
            throw ManagerException.refused(host.address() + ": " + path + " --version failed: "
                    + (result.stderr().isBlank() ? "exit code " + result.exitCode() : result.stderr().strip()));
        }
        return output.lines().findFirst().orElseThrow();
    }

    static String fileName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /**
     * What a failed setup program said, shortly: its error lines when it marks them (MariaDB's
     * {@code [ERROR]}, PostgreSQL's {@code FATAL:} and {@code ERROR:}), else its last lines.
     */
    static String failureSummary(String output) {
        List<String> lines = output.lines().map(String::strip)
                .filter(line -> !line.isEmpty()).toList();
        List<String> errors = lines.stream().filter(ServerProgram::isErrorLine).toList();
        List<String> shown = errors.isEmpty() ? lines : errors;
        return String.join("\n", shown.subList(Math.max(0, shown.size() - SUMMARY_LINES), shown.size()));
    }

    private static boolean isErrorLine(String line) {
        return line.contains("[ERROR]") || line.contains("FATAL:") || line.contains("ERROR:")
                || line.startsWith("initdb: error");
    }
}
