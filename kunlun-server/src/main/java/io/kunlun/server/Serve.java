package io.kunlun.server;

import io.kunlun.core.ClusterManager;
import io.kunlun.core.config.ManagerConfig;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the manager with its HTTP API until the process is stopped: the body of
 * {@code kunlunctl serve}. {@link #main} takes the same flags, for tests that start the manager
 * as a separate process (to kill it with SIGKILL, say).
 */
public final class Serve {
    /** The start of the line printed once requests are answered; process supervisors wait for it. */
    public static final String LISTENING = "kunlun manager listening on ";

    /** Command-line choices; null/false means "as the configuration file says". */
    public record Flags(Path config, Path home, Integer port, String bind, boolean exposeCredentials,
                        boolean insecure) {
    }

    private Serve() {
    }

    /** Settles the configuration: the file, then the flags, then the environment's access token. */
    public static ServeConfig resolve(Flags flags) {
        ServeConfig file = flags.config() != null ? ServeConfig.load(flags.config()) : ServeConfig.defaults(Path.of("var"));
        ServerOptions configured = file.server();
        ServerOptions listen = new ServerOptions(
                flags.bind() != null ? flags.bind() : configured.bind(),
                flags.port() != null ? flags.port() : configured.port(),
                configured.accessToken().or(() -> Optional.ofNullable(System.getenv("KUNLUN_ACCESS_TOKEN"))),
                flags.insecure() || configured.insecure(),
                configured.allowedOrigins(), configured.allowedHosts(), configured.tls(), configured.timeouts());
        listen.validate();
        ManagerConfig manager = file.manager();
        if (flags.home() != null) {
            manager = manager.withHome(flags.home());
        }
        manager = manager
                .withExposeCredentials(flags.exposeCredentials() || manager.exposeCredentials())
                .withAdvertised(listen.bind().equals("0.0.0.0") ? manager.advertisedHost() : listen.bind(),
                        listen.port());
        return new ServeConfig(manager, listen);
    }

    /**
     * Binds, opens the manager (advertising the port really bound, which matters for port 0),
     * prints where it listens, and blocks until shutdown.
     */
    public static void runUntilStopped(ServeConfig config) throws InterruptedException {
        KunlunServer server = KunlunServer.listen(config.server());
        ClusterManager manager;
        try {
            ManagerConfig managerConfig = config.manager();
            manager = ClusterManager.open(managerConfig.withAdvertised(managerConfig.advertisedHost(), server.port()));
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        server.serve(manager);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            manager.close();
            stopped.countDown();
        }, "shutdown"));
        System.out.println(LISTENING + config.server().scheme() + "://" + config.server().bind() + ":" + server.port()
                + " (home " + config.manager().home().toAbsolutePath() + ")");
        System.out.flush();
        stopped.await();
    }

    /**
     * {@code --home DIR --port N [--bind ADDR] [--config FILE] [--expose-credentials] [--insecure]}.
     * Exits 2 on a usage error and 1 when the manager cannot start, printing why on stderr.
     */
    public static void main(String[] args) throws InterruptedException {
        ServeConfig config;
        try {
            config = resolve(parse(args));
        } catch (IllegalArgumentException e) {
            System.err.println("serve: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            runUntilStopped(config);
        } catch (RuntimeException e) {
            System.err.println("serve: cannot start: " + e.getMessage());
            System.exit(1);
        }
    }

    static Flags parse(String[] args) {
        Path config = null;
        Path home = null;
        Integer port = null;
        String bind = null;
        boolean expose = false;
        boolean insecure = false;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "--config" -> config = Path.of(value(args, ++i, flag));
                case "--home" -> home = Path.of(value(args, ++i, flag));
                case "--port" -> port = number(value(args, ++i, flag), flag);
                case "--bind" -> bind = value(args, ++i, flag);
                case "--expose-credentials" -> expose = true;
                case "--insecure" -> insecure = true;
                default -> throw new IllegalArgumentException("unknown flag " + flag);
            }
        }
        return new Flags(config, home, port, bind, expose, insecure);
    }

    private static String value(String[] args, int at, String flag) {
        if (at >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[at];
    }

    private static int number(String value, String flag) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a number, got " + value);
        }
    }
}
