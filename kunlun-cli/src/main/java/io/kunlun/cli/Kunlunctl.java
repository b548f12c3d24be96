package io.kunlun.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * kunlunctl: the command line of the Kunlun cluster manager. Its options apply to every command
 * and may be given anywhere on the line: where the manager is, how to authenticate, how to print.
 */
@Command(name = "kunlunctl", version = "kunlunctl 0.1.0", scope = ScopeType.INHERIT,
        sortOptions = false, sortSynopsis = false,
        description = {
                "Manage KunlunBase-style distributed database clusters.",
                "",
                "Commands talk to a running manager over HTTP (--server), or, with --home DIR, run the manager"
                        + " inside kunlunctl on that home directory. Both send the same requests and print the"
                        + " same replies."},
        subcommands = {MachineCommands.class, ClusterCommands.class, ShardCommands.class, CompCommands.class,
                InstanceCommands.class, NodeCommands.class, BackupCommands.class, RestoreCommands.class,
                MonitorCommands.class, EventCommands.class, MetaCommands.class, ManagerCommands.class, JobCommands.class,
                QuickstartCommand.class, ServeCommand.class, CompletionCommand.class, ManCommand.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
                "0:done (for a query: answered)",
                "1:failed: the job failed, the manager refused the request, or it cannot be reached",
                "2:usage error"})
public final class Kunlunctl {
    static final String SERVER_VARIABLE = "KUNLUNCTL_SERVER";
    static final String TOKEN_VARIABLE = "KUNLUN_ACCESS_TOKEN";

    @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT,
            description = "Show this help and exit.")
    boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print the version and exit.")
    boolean version;

    @Option(names = "--server", paramLabel = "URL", scope = ScopeType.INHERIT, converter = ServerUrlConverter.class,
            description = "The manager to talk to (default: $" + SERVER_VARIABLE + ", else "
                    + "http://127.0.0.1:57000).")
    URI server;

    @Option(names = "--home", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "The manager's home directory (metadata, logs, state). Commands run the manager"
                    + " inside kunlunctl on it instead of calling a server; serve keeps its state there"
                    + " (default for serve: ./var).")
    Path home;

    @Option(names = "--token-file", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Reads the access token for a manager that requires one from FILE (its first line),"
                    + " sent as Authorization: Bearer (default: $" + TOKEN_VARIABLE + ").")
    Path tokenFile;

    @Option(names = "--token", paramLabel = "TOKEN", scope = ScopeType.INHERIT,
            description = "Deprecated: other users see it in ps. Use --token-file or $" + TOKEN_VARIABLE + ".")
    String token;

    @Option(names = "--cacert", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Trusts the PEM certificates in FILE for an https:// --server (default: the JDK's"
                    + " trusted authorities).")
    Path caCertificates;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", scope = ScopeType.INHERIT,
            description = "table (default): readable; json: the reply object as the API sends it.")
    OutputFormat output = OutputFormat.TABLE;

    private final CliEnvironment environment;

    Kunlunctl(CliEnvironment environment) {
        this.environment = environment;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with this process's environment; exit codes 0 done, 1 failed, 2 usage. */
    public static CommandLine commandLine() {
        return commandLine(CliEnvironment.current());
    }

    static CommandLine commandLine(CliEnvironment environment) {
        CommandLine line = new CommandLine(new Kunlunctl(environment));
        line.setCaseInsensitiveEnumValuesAllowed(true);
        line.setExecutionExceptionHandler((error, failedLine, parseResult) -> {
            PrintWriter err = failedLine.getErr();
            err.println("kunlunctl: " + (error instanceof CliFailure ? error.getMessage() : error.toString()));
            err.flush();
            return 1;
        });
        return line;
    }

    /** The root command's object, which holds the options every command shares. */
    static Kunlunctl of(CommandSpec spec) {
        return (Kunlunctl) spec.root().userObject();
    }

    CliEnvironment environment() {
        return environment;
    }

    OutputFormat output() {
        return output;
    }

    Optional<Path> home() {
        return Optional.ofNullable(home);
    }

    /** Whether the manager runs on this host: inside kunlunctl (--home), or behind a loopback --server. */
    boolean targetsThisHost() {
        if (home != null) {
            return true;
        }
        String host = serverUrl().getHost();
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    }

    /** The manager that commands talk to: in this process with --home, else over HTTP. */
    ManagerConnection connect(CommandLine command) {
        if (home != null) {
            if (server != null) {
                throw new ParameterException(command, "--server and --home exclude each other: --server talks to"
                        + " a running manager, --home runs one inside kunlunctl");
            }
            return EmbeddedManager.open(home);
        }
        return new RemoteManager(serverUrl(), accessToken(command),
                Optional.ofNullable(caCertificates).map(ServerTrust::trusting));
    }

    /** --token-file, else the deprecated --token (with a warning), else the environment. */
    private Optional<String> accessToken(CommandLine command) {
        if (tokenFile != null && token != null) {
            throw new ParameterException(command, "--token-file and --token exclude each other");
        }
        if (tokenFile != null) {
            return Optional.of(AccessTokenFile.read(tokenFile));
        }
        if (token != null) {
            command.getErr().println("kunlunctl: warning: --token is deprecated, other users see it in ps;"
                    + " use --token-file FILE or " + TOKEN_VARIABLE);
            return Optional.of(token);
        }
        return environment.variable(TOKEN_VARIABLE);
    }

    /** For commands that are the manager rather than its client. */
    void refuseClientOptions(CommandLine command) {
        if (server != null || token != null || tokenFile != null || caCertificates != null) {
            throw new ParameterException(command, command.getCommandName() + " runs the manager itself; --server,"
                    + " --token-file and --cacert are for commands that talk to one");
        }
    }

    private URI serverUrl() {
        if (server != null) {
            return server;
        }
        return environment.variable(SERVER_VARIABLE).map(text -> {
            try {
                return RemoteManager.parseUrl(text);
            } catch (IllegalArgumentException e) {
                throw new CliFailure(SERVER_VARIABLE + ": " + e.getMessage());
            }
        }).orElse(RemoteManager.DEFAULT_URL);
    }

    /** Turns --server's text into a URL, with picocli's usage error when it is none. */
    static final class ServerUrlConverter implements CommandLine.ITypeConverter<URI> {
        @Override
        public URI convert(String text) {
            try {
                return RemoteManager.parseUrl(text);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
