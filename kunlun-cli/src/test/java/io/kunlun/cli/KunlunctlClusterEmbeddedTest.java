package io.kunlun.cli;

import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.TempDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * kunlunctl cluster --home: the manager runs inside kunlunctl for each command, the instances it
 * starts outlive it; the machine 127.0.0.108.
 */
class KunlunctlClusterEmbeddedTest extends KunlunctlClusterContract {
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.of("127.0.0.108");

    static Path home;
    static LoopbackMachine machine;

    @BeforeAll
    static void registerTheMachine() {
        home = TempDirs.create("kunlunctl-cluster-");
        machine = loopback.take();
        register(machine, homeTarget());
    }

    @AfterAll
    static void deleteHome() throws IOException {
        if (home != null) {
            TempDirs.delete(home);
        }
    }

    private static List<String> homeTarget() {
        return List.of("--home", home.toString());
    }

    @Override
    List<String> target() {
        return homeTarget();
    }

    @Override
    LoopbackMachine machine() {
        return machine;
    }
}
