package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.HostAccess;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** What both command-line SQL clients share: run as the instance account, SQL on stdin, errors named. */
abstract class ClientProgram implements SqlClient {
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

    private final HostAccess host;
    private final InstanceAccount account;
    private final String label;

    ClientProgram(HostAccess host, InstanceAccount account, String label) {
        this.host = host;
        this.account = account;
        this.label = label;
    }

    /** The client's arguments: connect to the instance and print rows as tab-separated text. */
    abstract List<String> argv();

    /** One line of output as columns. */
    abstract List<String> columns(String line);

    @Override
    public void execute(String sql) {
        execute(sql, Command.DEFAULT_TIMEOUT);
    }

    @Override
    public void execute(String sql, Duration timeout) {
        run(sql, timeout);
    }

    @Override
    public List<List<String>> rows(String sql) {
        return run(sql, Command.DEFAULT_TIMEOUT).lines().map(this::columns).toList();
    }

    @Override
    public boolean answers() {
        return probe(argv(), "SELECT 1;").isPresent();
    }

    /** The output of statements run within the probe's bound; empty when the server does not answer. */
    Optional<String> probe(List<String> argv, String sql) {
        CommandResult result = host.run(command(argv, sql, PROBE_TIMEOUT));
        return result.succeeded() ? Optional.of(result.stdout()) : Optional.empty();
    }

    String run(String sql, Duration timeout) {
        return run(argv(), sql, timeout);
    }

    String run(List<String> argv, String sql, Duration timeout) {
        CommandResult result = host.run(command(argv, sql, timeout));
        if (!result.succeeded()) {
            String error = result.stderr().isBlank() ? result.stdout() : result.stderr();
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, label + ": " + error.strip());
        }
        return result.stdout();
    }

    private Command command(List<String> argv, String sql, Duration timeout) {
        return account.command(argv).withStdin(sql.getBytes(StandardCharsets.UTF_8)).withTimeout(timeout);
    }
}
