package io.kunlun.testkit.ssh;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig.SshConfig;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.SessionWait;
import io.kunlun.core.hosts.SshHost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A machine's eight SSH sessions all busy: a command under a {@link SessionWait} bound gives up
 * with a clear reason, one without it waits its turn.
 */
class SessionWaitTest {
    private static final String ADDRESS = "127.0.0.175";
    private static final int SESSIONS = 8;

    @TempDir
    static Path directory;
    private static SshKeys keys;
    private static MinaSshServer server;
    private static SshConfig config;

    @BeforeAll
    static void start() {
        keys = SshKeys.generate(SshKeys.Type.ECDSA);
        server = MinaSshServer.start(ADDRESS, keys.publicKeyLine());
        config = server.sshConfig(keys, directory.resolve("known_hosts"), true);
    }

    @AfterAll
    static void stop() {
        server.close();
        keys.close();
    }

    /** Takes every session with a command that sleeps; answers them. */
    private static List<Future<CommandResult>> occupyEverySession(SshHost host, ExecutorService threads)
            throws InterruptedException {
        List<Future<CommandResult>> sleepers = IntStream.range(0, SESSIONS)
                .mapToObj(i -> threads.submit(() -> host.run(Command.of("sleep", "4"))))
                .toList();
        Thread.sleep(500);
        return sleepers;
    }

    @Test
    void aBoundedCommandGivesUpWhenEverySessionStaysBusy() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(SESSIONS);
        try (SshHost host = new SshHost(ADDRESS, config)) {
            occupyEverySession(host, threads);
            long start = System.nanoTime();

            assertThatThrownBy(() -> SessionWait.atMost(Duration.ofSeconds(1), () -> host.run(Command.of("true"))))
                    .isInstanceOf(ManagerException.class)
                    .hasMessage(ADDRESS + ": all 8 ssh sessions are busy with other commands; gave up waiting for"
                            + " one after 1 s");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void theBoundIsADeadlineForAllTheCommandsOfTheWorkNotForEach() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(SESSIONS);
        try (SshHost host = new SshHost(ADDRESS, config)) {
            long start = System.nanoTime();

            assertThatThrownBy(() -> SessionWait.atMost(Duration.ofSeconds(2), () -> {
                host.run(Command.of("sleep", "1"));
                try {
                    occupyEverySession(host, threads);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return host.run(Command.of("true"));
            })).hasMessageEndingWith("gave up waiting for one after 2 s");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2900));
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void anUnboundedCommandWaitsForASession() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(SESSIONS);
        try (SshHost host = new SshHost(ADDRESS, config)) {
            occupyEverySession(host, threads);

            assertThat(host.run(Command.of("echo", "waited")).stdout()).isEqualTo("waited\n");
        } finally {
            threads.shutdownNow();
        }
    }
}
