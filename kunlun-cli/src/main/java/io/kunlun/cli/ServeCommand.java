package io.kunlun.cli;

import io.kunlun.server.Serve;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code kunlunctl serve}: the manager itself, with its HTTP job API. Its home is the shared --home. */
@Command(name = "serve",
        description = "Run the manager: the HTTP job API on 127.0.0.1:57000, state under --home (default ./var).")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON configuration file.")
    Path config;

    @Option(names = "--port", paramLabel = "N", description = "HTTP port (default: 57000).")
    Integer port;

    @Option(names = "--bind", paramLabel = "ADDR", description = "Address to listen on (default: 127.0.0.1).")
    String bind;

    @Option(names = "--expose-credentials",
            description = "Include instance user and password in getters (Xpanel compatibility).")
    boolean exposeCredentials;

    @Option(names = "--insecure", description = "Allow listening beyond loopback without an access token.")
    boolean insecure;

    @Override
    public Integer call() throws Exception {
        Kunlunctl cli = Kunlunctl.of(spec);
        cli.refuseClientOptions(spec.commandLine());
        Path home = cli.home().orElse(null);
        Serve.runUntilStopped(Serve.resolve(new Serve.Flags(config, home, port, bind, exposeCredentials, insecure)));
        return 0;
    }
}
