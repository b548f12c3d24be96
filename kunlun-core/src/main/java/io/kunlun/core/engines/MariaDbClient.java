package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.HostAccess;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code mariadb} client on the instance's socket as the instance account, which
 * mariadb-install-db made a superuser identified by its Unix socket credentials.
 */
final class MariaDbClient extends ClientProgram {
    private final String program;
    private final String socket;
    private final String user;

    MariaDbClient(HostAccess host, InstanceAccount account, String label, String program, String socket) {
        super(host, account, label);
        this.program = program;
        this.socket = socket;
        this.user = account.name();
    }

    @Override
    List<String> argv() {
        List<String> argv = new ArrayList<>(argvWithColumnNames());
        argv.add("--skip-column-names");
        return argv;
    }

    /** Errors are the server's message alone: the failed statement may hold a password. */
    private List<String> argvWithColumnNames() {
        return List.of(program, "--no-defaults", "--protocol=SOCKET", "--socket=" + socket, "--user=" + user,
                "--batch", "--skip-print-query-on-error", "--connect-timeout=5", "--max-allowed-packet=1G");
    }

    /** Rows with their column names, for statements such as SHOW SLAVE STATUS. */
    List<Map<String, String>> records(String sql) {
        return records(run(argvWithColumnNames(), sql, Command.DEFAULT_TIMEOUT).lines().toList());
    }

    /**
     * A one-value query, then a statement's rows with their column names, in one client run
     * within the probe's bound; empty when the server does not answer. Batch output does not mark
     * where one result ends, so the query must yield one row of one column: its name and its value
     * are the first two lines, the rest is the statement's.
     */
    Optional<ValueThenRecords> probeValueThenRecords(String valueQuery, String recordsStatement) {
        return probe(argvWithColumnNames(), valueQuery + "; " + recordsStatement + ";").map(output -> {
            List<String> lines = output.lines().toList();
            if (lines.size() < 2) {
                throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "expected one value from "
                        + valueQuery + ", got: " + output.strip());
            }
            String value = columns(lines.get(1)).get(0);
            return new ValueThenRecords(value, records(lines.subList(2, lines.size())));
        });
    }

    /** What {@link #probeValueThenRecords} read. */
    record ValueThenRecords(String value, List<Map<String, String>> records) {
    }

    private List<Map<String, String>> records(List<String> lines) {
        List<Map<String, String>> records = new ArrayList<>();
        if (lines.isEmpty()) {
            return records;
        }
        List<String> names = columns(lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
            List<String> values = columns(line);
            Map<String, String> record = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                record.put(names.get(i), i < values.size() ? values.get(i) : null);
            }
            records.add(record);
        }
        return records;
    }

    /** Batch mode escapes tab, newline, backslash and NUL in values, and prints NULL as NULL. */
    @Override
    List<String> columns(String line) {
        List<String> columns = new ArrayList<>();
        for (String field : line.split("\t", -1)) {
            columns.add(field.equals("NULL") ? null : unescape(field));
        }
        return columns;
    }

    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder text = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 1 < field.length()) {
                char next = field.charAt(++i);
                text.append(switch (next) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case '0' -> '\0';
                    default -> next;
                });
            } else {
                text.append(c);
            }
        }
        return text.toString();
    }
}
