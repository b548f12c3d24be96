package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

import java.time.Duration;
import java.util.List;

/**
 * SQL on one instance as its local superuser, through the server's own command-line client run
 * on the instance's machine over the instance's Unix socket: it works the same through SSH, needs
 * no password, and no network grant. Statements travel on the client's standard input, never in
 * its arguments.
 */
public interface SqlClient {
    /** Runs statements in order; fails with the server's message at the first error. */
    void execute(String sql);

    /** The same, for statements that may run longer than one command's default bound (a binlog replay). */
    void execute(String sql, Duration timeout);

    /** The rows of a query, each column as text (SQL NULL as null). */
    List<List<String>> rows(String sql);

    /** Whether the server accepts a connection and answers a trivial query right now. */
    boolean answers();

    /** The first column of the query's only row. */
    default String value(String sql) {
        List<List<String>> rows = rows(sql);
        if (rows.size() != 1) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED,
                    "expected one row from " + sql + ", got " + rows.size());
        }
        return rows.get(0).get(0);
    }
}
