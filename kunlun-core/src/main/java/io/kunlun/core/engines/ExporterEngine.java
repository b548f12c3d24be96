package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.HostAccess;
import io.kunlun.core.hosts.ShellQuote;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Starts, stops and finds the Prometheus exporter of one kind for database instances: Debian's
 * {@code prometheus-mysqld-exporter} for storage instances, {@code prometheus-postgres-exporter}
 * for comps (paths configurable). Each runs as the instance account, detached like the instances
 * themselves ({@link DetachedProcess}), and logs in as the cluster's monitoring account, whose
 * password it reads from a file only that account may read, never from its command line.
 */
public final class ExporterEngine {
    /** Characters a password written into an option file or a URL may hold without escaping rules of their own. */
    private static final Pattern OPTION_FILE_SAFE = Pattern.compile("[^\\s\"'`#;\\\\]+");

    private final EngineConfig config;
    private final Kind kind;

    private enum Kind {
        MYSQLD("mysqld exporter", "mysqld_exporter"),
        POSTGRES("postgres exporter", "postgres_exporter");

        final String displayName;
        final String fileStem;

        Kind(String displayName, String fileStem) {
            this.displayName = displayName;
            this.fileStem = fileStem;
        }
    }

    private ExporterEngine(EngineConfig config, Kind kind) {
        this.config = config;
        this.kind = kind;
    }

    /** mysqld_exporter, for MariaDB/MySQL storage instances. */
    public static ExporterEngine mysqld(EngineConfig config) {
        return new ExporterEngine(config, Kind.MYSQLD);
    }

    /** postgres_exporter, for PostgreSQL comps. */
    public static ExporterEngine postgres(EngineConfig config) {
        return new ExporterEngine(config, Kind.POSTGRES);
    }

    /** How messages call this exporter: {@code mysqld exporter}. */
    public String displayName() {
        return kind.displayName;
    }

    /** The first port tried for exporters of this kind on a machine. */
    public int portBase() {
        return kind == Kind.MYSQLD ? config.mysqldExporterPortBase() : config.postgresExporterPortBase();
    }

    /**
     * Writes the exporter's login (mode 0600, owned by the instance account) and starts it unless
     * it runs already, waiting until it listens. Fails with the tail of its log when it exits.
     */
    public StartOutcome start(ExporterNode node, Credential monitoring) {
        HostAccess host = node.host();
        InstanceAccount account = InstanceAccount.of(node, config);
        DetachedProcess process = process(node, account);
        if (process.isRunning()) {
            return StartOutcome.ALREADY_RUNNING;
        }
        requireProgram(host);
        if (!OPTION_FILE_SAFE.matcher(monitoring.password()).matches()) {
            throw ManagerException.refused(node.label() + ": the password of " + monitoring.user()
                    + " holds a character the " + kind.displayName + "'s login file cannot hold");
        }
        // Listening is how the start is awaited: a port something else holds would look started.
        PortProbe.requireFree(host, node.label(), List.of(node.port()));
        account.writeFile(host, loginFile(node), login(node, monitoring));
        return process.start(() -> PortProbe.inUse(host, node.port()), config.startTimeout());
    }

    /** Refuses a machine where the exporter's program is missing. */
    public void requireProgram(HostAccess host) {
        if (!host.run(Command.of("test", "-f", program(), "-a", "-x", program())).succeeded()) {
            throw ManagerException.refused(host.address() + ": " + kind.displayName + " " + program()
                    + " is missing or not executable");
        }
    }

    /** Stops the exporter (SIGTERM, SIGKILL after the stop timeout); false when it did not run. */
    public boolean stop(ExporterNode node) {
        return process(node, InstanceAccount.of(node, config)).stop(config.stopTimeout());
    }

    public boolean isRunning(ExporterNode node) {
        return process(node, InstanceAccount.of(node, config)).isRunning();
    }

    private String program() {
        return kind == Kind.MYSQLD ? config.mysqldExporter() : config.postgresExporter();
    }

    /** The listen address is the process's identity: one exporter per address and port. */
    private DetachedProcess process(ExporterNode node, InstanceAccount account) {
        String listen = "--web.listen-address=" + node.label();
        String log = node.instanceDir() + "/" + kind.fileStem + ".log";
        return switch (kind) {
            case MYSQLD -> new DetachedProcess(node.host(), account, node.label(),
                    List.of(program(), "--config.my-cnf=" + loginFile(node), listen), listen, log, "TERM");
            case POSTGRES -> new DetachedProcess(node.host(), account, node.label(),
                    List.of(program(), listen), listen, log, "TERM", Optional.of(loginFile(node)));
        };
    }

    /** mysqld_exporter's option file, or the environment file postgres_exporter is started with. */
    private String loginFile(ExporterNode node) {
        return node.instanceDir() + "/" + kind.fileStem + (kind == Kind.MYSQLD ? ".cnf" : ".env");
    }

    private String login(ExporterNode node, Credential monitoring) {
        String host = node.host().address();
        return switch (kind) {
            case MYSQLD -> "[client]\nuser=" + monitoring.user() + "\npassword=" + monitoring.password()
                    + "\nhost=" + host + "\nport=" + node.instancePort() + "\n";
            case POSTGRES -> "DATA_SOURCE_NAME=" + ShellQuote.quote("postgresql://" + urlPart(monitoring.user()) + ":"
                    + urlPart(monitoring.password()) + "@" + host + ":" + node.instancePort()
                    + "/postgres?sslmode=disable") + "\n";
        };
    }

    private static String urlPart(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
