package io.kunlun.core.engines;

import io.kunlun.core.hosts.HostAccess;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code psql} on the instance's socket directory as the instance account, which initdb made the
 * superuser and pg_hba.conf lets in by peer authentication.
 */
final class PsqlClient extends ClientProgram {
    /** How psql prints NULL, so that it differs from an empty string. */
    private static final String NULL = "\\N";

    private final String program;
    private final String socketDirectory;
    private final int port;
    private final String user;
    private final String database;

    PsqlClient(HostAccess host, InstanceAccount account, String label, String program, String socketDirectory,
               int port, String database) {
        super(host, account, label);
        this.program = program;
        this.socketDirectory = socketDirectory;
        this.port = port;
        this.user = account.name();
        this.database = SqlText.requireName(database, "database name");
    }

    @Override
    List<String> argv() {
        return List.of(program, "--no-psqlrc", "--quiet", "--no-align", "--tuples-only", "--field-separator=\t",
                "--pset=null=" + NULL, "--set=ON_ERROR_STOP=1", "--host=" + socketDirectory, "--port=" + port,
                "--username=" + user, "--dbname=dbname=" + database + " connect_timeout=5");
    }

    @Override
    List<String> columns(String line) {
        List<String> columns = new ArrayList<>();
        for (String field : line.split("\t", -1)) {
            columns.add(field.equals(NULL) ? null : field);
        }
        return columns;
    }
}
