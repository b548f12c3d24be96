package io.kunlun.cli;

import io.kunlun.core.ClusterManager;
import io.kunlun.server.KunlunServer;
import io.kunlun.server.ServerOptions;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.TempDirs;
import io.kunlun.testkit.TestPorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** kunlunctl cluster --server: a real manager behind its HTTP server on 127.0.0.107, the machine 127.0.0.106. */
class KunlunctlClusterRemoteTest extends KunlunctlClusterContract {
    static final String BIND = "127.0.0.107";

    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.of("127.0.0.106");

    static Path home;
    static ClusterManager manager;
    static KunlunServer server;
    static LoopbackMachine machine;

    @BeforeAll
    static void startManagerAndRegisterTheMachine() {
        home = TempDirs.create("kunlunctl-cluster-");
        manager = ClusterManager.open(TestPorts.managerConfig(home));
        server = KunlunServer.start(manager, new ServerOptions(BIND, 0, Optional.empty(), false));
        machine = loopback.take();
        register(machine, serverTarget());
    }

    @AfterAll
    static void stopManager() throws IOException {
        if (server != null) {
            server.close();
        }
        if (manager != null) {
            manager.close();
        }
        if (home != null) {
            TempDirs.delete(home);
        }
    }

    private static List<String> serverTarget() {
        return List.of("--server", "http://" + BIND + ":" + server.port());
    }

    @Override
    List<String> target() {
        return serverTarget();
    }

    @Override
    LoopbackMachine machine() {
        return machine;
    }
}
