package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.HostAccess;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Installs, starts, stops and removes PostgreSQL compute instances (13 or later) on any
 * machine, through {@link HostAccess} only. Like {@link StorageEngine} it holds no state and
 * shares its process lifecycle.
 */
public final class ComputeEngine {
    /** The database every PostgreSQL cluster has, where the manager connects before the client database exists. */
    private static final String MAINTENANCE_DATABASE = "postgres";
    private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(5);
    /** How long a reloaded setting may take to show: the postmaster rereads its files when it handles SIGHUP. */
    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(10);
    /** How long a start waits for a killed postmaster to be reaped. */
    private static final Duration REAP_WAIT = Duration.ofSeconds(10);
    /** A schema dump is small; one that takes longer is stuck on a lock. */
    private static final Duration DUMP_TIMEOUT = Duration.ofMinutes(5);

    /** A role as pg_dumpall creates it, on a line of its own: {@code CREATE ROLE name;}. */
    private static final Pattern CREATED_ROLE = Pattern.compile("(?m)^CREATE ROLE ((?:\\w+|\"(?:[^\"]|\"\")+\"));$");

    private final EngineConfig config;

    public ComputeEngine(EngineConfig config) {
        this.config = config;
    }

    /** The PostgreSQL version on that machine; refuses a missing program or a version before 13. */
    public ServerVersion detect(HostAccess host) {
        String program = config.postgres();
        String line = ServerProgram.versionLine(host, program, "compute server");
        ServerVersion version = ServerVersion.parsePostgres(ServerProgram.fileName(program), line)
                .orElseThrow(() -> ManagerException.refused(host.address() + ": cannot tell which server " + program
                        + " is from its --version: " + line));
        if (version.major() < 13) {
            throw ManagerException.refused(host.address() + ": " + version + " is too old; supported: PostgreSQL >= 13");
        }
        return version;
    }

    /**
     * Creates one instance: initdb as the instance account, its configuration and access rules,
     * a detached start, then the cluster's admin and monitoring accounts and the client database
     * owned by admin. Either the instance is running when this returns or nothing of it is left.
     */
    public void install(ComputeInstall spec) {
        ComputeNode node = spec.node();
        HostAccess host = node.host();
        detect(host);
        InstanceAccount account = InstanceAccount.of(node, config);
        InstancePaths.requireSocket(node.label(), node.layout().socketDirectory() + "/.s.PGSQL." + node.port());
        PortProbe.requireFree(host, node.label(), List.of(node.port()));
        InstanceDirectories.requireAbsentOrEmpty(host, node.label(), List.of(node.layout().instanceDir()));
        try {
            InstanceDirectories.create(host, account, node.label(), List.of(node.layout().instanceDir()), spec.maker());
            initdb(node, account);
            String postgresqlConf = node.layout().dataDir() + "/postgresql.conf";
            String hbaConf = node.layout().dataDir() + "/pg_hba.conf";
            account.editFile(host, postgresqlConf, initdbSettings -> initdbSettings + settings(spec));
            account.writeFile(host, hbaConf, accessRules(spec.users(), account));
            SqlClient client = client(node, account, MAINTENANCE_DATABASE);
            process(node, account).start(client::answers, config.startTimeout());
            createUsersAndDatabase(client, spec);
        } catch (RuntimeException e) {
            try {
                removeMade(node);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Starts an installed instance on its existing data and waits until it answers. */
    public StartOutcome start(ComputeNode node) {
        InstanceAccount account = InstanceAccount.of(node, config);
        awaitReaped(node, account);
        return process(node, account).start(client(node, account, MAINTENANCE_DATABASE)::answers, config.startTimeout());
    }

    /**
     * A postmaster killed moments ago stays a zombie until its parent (init, once the launching
     * shell exited) reaps it, and postgres refuses to start while the PID its postmaster.pid names
     * exists: waits for the reaping, {@link #REAP_WAIT} at most (a start after that fails naming the PID).
     */
    private static void awaitReaped(ComputeNode node, InstanceAccount account) {
        CommandResult pidFile = node.host().run(account.command(List.of("head", "-n", "1", "--",
                node.layout().dataDir() + "/postmaster.pid")));
        String pid = pidFile.stdout().strip();
        if (!pidFile.succeeded() || !pid.matches("[0-9]{1,10}")) {
            return;
        }
        long deadline = System.nanoTime() + REAP_WAIT.toNanos();
        Poll poll = new Poll();
        while (System.nanoTime() < deadline
                && node.host().run(Command.of("ps", "-o", "stat=", "-p", pid)).stdout().strip().startsWith("Z")) {
            poll.pause();
        }
    }

    /** Fast shutdown (SIGINT: clients are disconnected), SIGKILL after the stop timeout. */
    public boolean stop(ComputeNode node) {
        InstanceAccount account = InstanceAccount.of(node, config);
        return process(node, account).stop(config.stopTimeout());
    }

    /** What the instance's directory says of who made it. */
    public InstanceMaker maker(ComputeNode node) {
        return InstanceDirectories.maker(node.host(), InstanceAccount.of(node, config),
                node.layout().instanceDir());
    }

    /**
     * Removes the instance if job {@code maker} made it (see {@link #removeMade}); leaves alone an
     * instance directory that another job made or nobody marked, and answers what it found.
     */
    public InstanceMaker remove(ComputeNode node, String maker) {
        return InstanceDirectories.removeIfMadeBy(maker(node), maker, () -> removeMade(node));
    }

    /**
     * Stops the instance, kills what else works in its directory (an initdb a dead manager left
     * running), and deletes it; succeeds when there is nothing to remove.
     */
    private void removeMade(ComputeNode node) {
        stop(node);
        List<String> directories = List.of(node.layout().instanceDir());
        DetachedProcess.killCommandsIn(node.host(), node.label(), directories);
        InstanceDirectories.remove(node.host(), InstanceAccount.of(node, config),
                node.label(), directories);
    }

    public boolean isRunning(ComputeNode node) {
        InstanceAccount account = InstanceAccount.of(node, config);
        return process(node, account).isRunning();
    }

    /** Whether the node's server is among the processes listed a moment ago on its machine. */
    public boolean isRunningIn(ComputeNode node, ProcessTable processes) {
        return process(node, InstanceAccount.of(node, config)).isRunningIn(processes);
    }

    /** Whether the instance accepts a connection and answers a trivial query right now. */
    public boolean answers(ComputeNode node) {
        return client(node, MAINTENANCE_DATABASE).answers();
    }

    /** A setting's value as SHOW shows it (with its unit); fails with the server's reason for an unknown name. */
    public String variable(ComputeNode node, String name) {
        return client(node, MAINTENANCE_DATABASE).value("SELECT current_setting("
                + SqlText.pgString(SqlText.pgSetting(name)) + ");");
    }

    /**
     * ALTER SYSTEM SET (kept in postgresql.auto.conf, so it survives a restart) and a reload,
     * then waits until a new session shows the value, in the setting's own unit or as SHOW spells
     * it. A setting read only at server start is refused after ALTER SYSTEM, saying so: it is
     * set but not in effect. A forbidden setting ({@link ForbiddenSettings#POSTGRESQL}) is refused
     * before anything changes.
     */
    public void setVariable(ComputeNode node, String name, String value, boolean integer) {
        String setting = SqlText.pgSetting(name);
        ForbiddenSettings.POSTGRESQL.requireAllowed(node.label(), setting);
        SqlClient client = client(node, MAINTENANCE_DATABASE);
        client.execute("ALTER SYSTEM SET " + setting + " = "
                + (integer ? SqlText.integer(value) : SqlText.pgString(value)) + ";\nSELECT pg_reload_conf();\n");
        String query = "SELECT context, setting, current_setting(name) FROM pg_settings WHERE name = "
                + SqlText.pgString(setting) + ";";
        List<List<String>> rows = client.rows(query);
        if (!rows.isEmpty() && rows.get(0).get(0).equals("postmaster")) {
            throw ManagerException.refused(node.label() + ": " + setting + " takes effect after a restart of the"
                    + " instance; it is set in postgresql.auto.conf");
        }
        long deadline = System.nanoTime() + RELOAD_TIMEOUT.toNanos();
        Poll poll = new Poll();
        while (!shows(rows, value)) {
            if (System.nanoTime() > deadline) {
                throw new ManagerException(ManagerException.Code.COMMAND_FAILED, node.label() + ": " + setting
                        + " is " + (rows.isEmpty() ? "not shown" : rows.get(0).get(2)) + " "
                        + RELOAD_TIMEOUT.toSeconds() + " s after setting it to " + value);
            }
            poll.pause();
            rows = client.rows(query);
        }
    }

    /** Whether the pg_settings row shows the value, in the setting's unit or as SHOW spells it. */
    private static boolean shows(List<List<String>> rows, String value) {
        return !rows.isEmpty() && (value.equalsIgnoreCase(rows.get(0).get(1)) || value.equalsIgnoreCase(rows.get(0).get(2)));
    }

    /**
     * Lets clients in from one more network (an IPv4 CIDR block), as the access rules of
     * {@link #install} do for the cluster's networks: its line is appended to pg_hba.conf unless
     * there, and the server reloads the file. Returns once new connections meet the new rules.
     */
    public void allowNetwork(ComputeNode node, String network) {
        String rule = hostRule(network);
        editAccessRules(node, lines -> {
            if (lines.contains(rule)) {
                return lines;
            }
            List<String> added = new ArrayList<>(lines);
            added.add(rule);
            return added;
        });
    }

    /** Takes back {@link #allowNetwork}: that network's line leaves pg_hba.conf; none there is no error. */
    public void revokeNetwork(ComputeNode node, String network) {
        String rule = hostRule(network);
        editAccessRules(node, lines -> lines.stream().filter(line -> !line.equals(rule)).toList());
    }

    /** Rewrites pg_hba.conf when the edit changes its lines, then reloads it. */
    private void editAccessRules(ComputeNode node, UnaryOperator<List<String>> edit) {
        HostAccess host = node.host();
        InstanceAccount account = InstanceAccount.of(node, config);
        String hbaConf = node.layout().dataDir() + "/pg_hba.conf";
        boolean changed = account.editFile(host, hbaConf, rules -> {
            List<String> lines = rules.lines().toList();
            List<String> edited = edit.apply(lines);
            return edited.equals(lines) ? rules : String.join("\n", edited) + "\n";
        });
        if (changed) {
            reload(node, account);
        }
    }

    /**
     * pg_reload_conf only signals the postmaster. Each psql call is a new session, whose
     * pg_conf_load_time is the postmaster's last reload: once it moves, the postmaster has read
     * the files, and every later connection is checked against them.
     */
    private void reload(ComputeNode node, InstanceAccount account) {
        SqlClient client = client(node, account, MAINTENANCE_DATABASE);
        String loadedBefore = client.value("SELECT pg_conf_load_time();");
        client.execute("SELECT pg_reload_conf();");
        long deadline = System.nanoTime() + RELOAD_TIMEOUT.toNanos();
        Poll poll = new Poll();
        while (client.value("SELECT pg_conf_load_time();").equals(loadedBefore)) {
            if (System.nanoTime() > deadline) {
                throw new ManagerException(ManagerException.Code.COMMAND_FAILED, node.label()
                        + ": the server did not reload its configuration within " + RELOAD_TIMEOUT.toSeconds() + " s");
            }
            poll.pause();
        }
    }

    /**
     * The definitions of a database without its rows ({@code pg_dump --schema-only}), as the
     * instance's superuser over its socket: what the comp's tables, views and foreign tables need
     * to be made again.
     */
    public String dumpSchema(ComputeNode node, String database) {
        InstanceAccount account = InstanceAccount.of(node, config);
        return dump(node, account, List.of(sibling("pg_dump"), "--schema-only", "--host="
                + node.layout().socketDirectory(), "--port=" + node.port(), "--username=" + account.name(),
                "--dbname=" + SqlText.requireName(database, "database name")));
    }

    /** The instance's roles and their memberships, without their passwords ({@code pg_dumpall --roles-only}). */
    public String dumpRoles(ComputeNode node) {
        InstanceAccount account = InstanceAccount.of(node, config);
        return dump(node, account, List.of(sibling("pg_dumpall"), "--roles-only", "--no-role-passwords",
                "--host=" + node.layout().socketDirectory(), "--port=" + node.port(),
                "--username=" + account.name()));
    }

    /**
     * Loads what {@link #dumpRoles} and {@link #dumpSchema} made on another instance into this
     * one: the roles first (a role this instance has already, such as its superuser or the
     * cluster's accounts, keeps its password and takes the dumped attributes), then the schema
     * into the database, which must hold none of it yet. Fails on the first statement that fails.
     */
    public void loadSchema(ComputeNode node, String database, String roles, String schema) {
        InstanceAccount account = InstanceAccount.of(node, config);
        client(node, account, MAINTENANCE_DATABASE).execute(CREATED_ROLE.matcher(roles).replaceAll(
                "DO \\$\\$ BEGIN CREATE ROLE $1; EXCEPTION WHEN duplicate_object THEN NULL; END \\$\\$;"));
        client(node, account, database).execute(schema);
    }

    /**
     * Replaces the client database with one that holds what {@link #dumpSchema} and
     * {@link #dumpRoles} made (on this instance or another): the database is dropped, its
     * sessions ended, and made again owned by {@code owner}; then the roles and the schema are
     * loaded as {@link #loadSchema} loads them. Roles that exist already keep their passwords.
     */
    public void replaceSchema(ComputeNode node, String database, String owner, String roles, String schema) {
        String name = SqlText.pgName(database, "database name");
        client(node, MAINTENANCE_DATABASE).execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE);\n"
                + "CREATE DATABASE " + name + " OWNER " + SqlText.pgName(owner, "database owner") + ";\n");
        loadSchema(node, database, roles, schema);
    }

    private static String dump(ComputeNode node, InstanceAccount account, List<String> argv) {
        CommandResult result = node.host().run(account.command(argv).withTimeout(DUMP_TIMEOUT));
        if (!result.succeeded()) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, node.label() + ": "
                    + ServerProgram.fileName(argv.get(0)) + " exited " + result.exitCode() + ": "
                    + ServerProgram.failureSummary(result.stderr() + "\n" + result.stdout()));
        }
        return result.stdout();
    }

    /** A PostgreSQL client program installed beside psql. */
    private String sibling(String program) {
        return config.psql().substring(0, config.psql().lastIndexOf('/') + 1) + program;
    }

    /** SQL in the database as the instance's superuser (for the manager's own work, not for clients). */
    public SqlClient client(ComputeNode node, String database) {
        return client(node, InstanceAccount.of(node, config), database);
    }

    private SqlClient client(ComputeNode node, InstanceAccount account, String database) {
        return new PsqlClient(node.host(), account, node.label(), config.psql(), node.layout().socketDirectory(),
                node.port(), database);
    }

    private DetachedProcess process(ComputeNode node, InstanceAccount account) {
        String dataDir = node.layout().dataDir();
        return new DetachedProcess(node.host(), account, node.label(), List.of(config.postgres(), "-D", dataDir),
                dataDir, node.layout().logFile(), "INT");
    }

    private void initdb(ComputeNode node, InstanceAccount account) {
        List<String> argv = List.of(config.initdb(), "--pgdata=" + node.layout().dataDir(),
                "--username=" + account.name(), "--auth-local=peer", "--auth-host=scram-sha-256",
                "--encoding=UTF8", "--no-locale");
        CommandResult result = node.host().run(account.command(argv).withTimeout(INITDB_TIMEOUT));
        if (!result.succeeded()) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, node.label() + ": "
                    + ServerProgram.fileName(config.initdb()) + " exited with " + result.exitCode() + ": "
                    + ServerProgram.failureSummary(result.stdout() + "\n" + result.stderr()));
        }
    }

    /** Appended to initdb's postgresql.conf: the last setting of a name wins. */
    private static String settings(ComputeInstall spec) {
        ComputeNode node = spec.node();
        return "\n# " + node.label() + ", set by the cluster manager.\n"
                + "listen_addresses = '" + node.host().address() + "'\n"
                + "port = " + node.port() + "\n"
                + "unix_socket_directories = '" + node.layout().socketDirectory() + "'\n"
                + "unix_socket_permissions = 0700\n"
                + "max_connections = " + spec.settings().maxConnections() + "\n"
                + "shared_buffers = " + spec.settings().sharedBuffersMb() + "MB\n"
                + "password_encryption = 'scram-sha-256'\n"
                + "logging_collector = off\n"
                + "log_destination = 'stderr'\n";
    }

    /**
     * The instance account by peer authentication on the socket (the manager), everyone else
     * with a SCRAM password from loopback or the cluster's client networks.
     */
    private static String accessRules(ClusterUsers users, InstanceAccount account) {
        StringBuilder hba = new StringBuilder("# Written by the cluster manager.\n");
        hba.append("local all ").append(account.name()).append(" peer\n");
        hba.append("local all all scram-sha-256\n");
        hba.append("host all all 127.0.0.1/32 scram-sha-256\n");
        for (String network : users.clientNetworks()) {
            hba.append(hostRule(network)).append('\n');
        }
        return hba.toString();
    }

    /** The pg_hba.conf line that lets everyone in from the network with a SCRAM password. */
    private static String hostRule(String network) {
        return "host all all " + Ipv4Network.parse(network).cidr() + " scram-sha-256";
    }

    /**
     * admin, the applications' account, may create databases and owns the client database, and
     * nothing more: no CREATEROLE, which could grant pg_execute_server_program (COPY ... TO
     * PROGRAM) or pg_read_server_files; the manager works as the instance account's superuser
     * over the socket. monitoring may only read statistics.
     */
    private static void createUsersAndDatabase(SqlClient client, ComputeInstall spec) {
        Credential admin = spec.users().admin();
        Credential monitoring = spec.users().monitoring();
        String adminName = SqlText.pgName(admin.user(), "admin user");
        String monitoringName = SqlText.pgName(monitoring.user(), "monitoring user");
        client.execute("CREATE ROLE " + adminName + " LOGIN CREATEDB PASSWORD "
                + SqlText.pgString(admin.password()) + ";\n"
                + "CREATE ROLE " + monitoringName + " LOGIN CONNECTION LIMIT 3 PASSWORD "
                + SqlText.pgString(monitoring.password()) + ";\n"
                + "GRANT pg_monitor TO " + monitoringName + ";\n"
                + "CREATE DATABASE " + SqlText.pgName(spec.settings().database(), "database name")
                + " OWNER " + adminName + ";\n");
    }
}
