package io.kunlun.cli;

import io.kunlun.core.ClusterManager;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.server.KunlunServer;
import io.kunlun.server.ServeConfig;
import io.kunlun.server.ServerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the manager: the HTTP job API on 127.0.0.1:57000, state under ./var.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "JSON configuration file.")
    Path config;

    @Option(names = "--home", paramLabel = "DIR", description = "Metadata, logs and state (default: ./var).")
    Path home;

    @Option(names = "--port", paramLabel = "N", description = "HTTP port (default: 57000).")
    Integer port;

    @Option(names = "--bind", paramLabel = "ADDR", description = "Address to listen on (default: 127.0.0.1).")
    String bind;

    @Option(names = "--expose-credentials",
            description = "Include instance user and password in getters (Xpanel compatibility).")
    boolean exposeCredentials;

    @Option(names = "--insecure",
            description = "Allow listening beyond loopback without an access token.")
    boolean insecure;

    @Override
    public Integer call() throws Exception {
        ServeConfig file = config != null ? ServeConfig.load(config) : ServeConfig.defaults(Path.of("var"));
        ServerOptions listen = new ServerOptions(
                bind != null ? bind : file.server().bind(),
                port != null ? port : file.server().port(),
                file.server().accessToken().or(() -> Optional.ofNullable(System.getenv("KUNLUN_ACCESS_TOKEN"))),
                insecure || file.server().insecure());
        listen.validate();
        ManagerConfig managerConfig = file.manager();
        if (home != null) {
            managerConfig = managerConfig.withHome(home);
        }
        managerConfig = managerConfig
                .withExposeCredentials(exposeCredentials || managerConfig.exposeCredentials())
                .withAdvertised(listen.bind().equals("0.0.0.0") ? managerConfig.advertisedHost() : listen.bind(),
                        listen.port());
        ClusterManager manager = ClusterManager.open(managerConfig);
        KunlunServer server = KunlunServer.start(manager, listen);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            manager.close();
            stopped.countDown();
        }, "shutdown"));
        System.out.println("kunlun manager listening on http://" + listen.bind() + ":" + server.port()
                + " (home " + managerConfig.home().toAbsolutePath() + ")");
        stopped.await();
        return 0;
    }
}
