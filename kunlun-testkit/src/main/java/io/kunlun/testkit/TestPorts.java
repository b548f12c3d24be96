package io.kunlun.testkit;

import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.engines.EngineConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The port bases of every manager this JVM starts, apart from those of any other test JVM on the
 * host. A manager plans an instance's ports as the first free ones from its bases and starts the
 * instance a moment later; two managers on one host (loopback machines share one kernel) planning
 * from the same bases at the same time may pick the same port, and one of them then fails with
 * {@code port N is already in use}. So each test JVM (a surefire fork, a developer's run beside
 * it) holds a block of {@value #BLOCK} ports of its own for as long as it runs: the first block
 * whose lock file under {@code java.io.tmpdir} it can lock. The lock goes with the JVM, however it
 * ends.
 *
 * <p>The blocks lie from {@value #FIRST} to below 32768, where the kernel's ephemeral ports
 * (handed out to port-0 binds and outgoing connections) start, and away from the defaults
 * (57030, 57330, 59104, 59187) that managers started otherwise use. Within a block: storage nodes
 * (4 ports each) from its start, comps from +200, mysqld exporters from +300, postgres exporters
 * from +400.
 *
 * <p>{@link TestManager} and {@link ManagerProcess} apply them; a test that builds a
 * {@link ManagerConfig} itself starts from {@link #managerConfig(Path)}, and one that replaces
 * engine settings starts from {@link #engines()} (or the configuration's own {@code engines()}),
 * never from {@link EngineConfig#defaults()}.
 */
public final class TestPorts {
    static final int FIRST = 20000;
    static final int BLOCK = 500;
    private static final int BLOCKS = (32768 - FIRST) / BLOCK;
    private static final Path LOCKS = Path.of(System.getProperty("java.io.tmpdir"), "kunlun-testkit-ports");
    private static final int STORAGE = 0;
    private static final int COMP = 200;
    private static final int MYSQLD_EXPORTER = 300;
    private static final int POSTGRES_EXPORTER = 400;
    static final int HEALTH_INTERVAL_SECONDS = 2;
    /** Held, so that the channel and its lock are never collected, while the JVM runs. */
    private static final Claim CLAIM = claimBlock();
    private static final int FIRST_PORT = CLAIM.firstPort();

    private TestPorts() {
    }

    public static int storagePortBase() {
        return FIRST_PORT + STORAGE;
    }

    public static int compPortBase() {
        return FIRST_PORT + COMP;
    }

    public static int mysqldExporterPortBase() {
        return FIRST_PORT + MYSQLD_EXPORTER;
    }

    public static int postgresExporterPortBase() {
        return FIRST_PORT + POSTGRES_EXPORTER;
    }

    /** The default engine settings with this JVM's port bases. */
    public static EngineConfig engines() {
        return withOwnBases(EngineConfig.defaults());
    }

    /** {@code engines} with this JVM's port bases instead of its own. */
    public static EngineConfig withOwnBases(EngineConfig engines) {
        return engines.withPortBases(storagePortBase(), compPortBase(), mysqldExporterPortBase(),
                postgresExporterPortBase());
    }

    /**
     * {@link ManagerConfig#defaults(Path)} with this JVM's port bases, probing every
     * {@value #HEALTH_INTERVAL_SECONDS} s: the default second, in every manager of a suite that
     * runs dozens of instances at once, costs a sixth of a class's time (ClusterFailureTest: 36 s
     * against 30 s at 5 s). A class that times healing sets its own interval.
     */
    public static ManagerConfig managerConfig(Path home) {
        ManagerConfig defaults = ManagerConfig.defaults(home);
        return defaults.withEngines(withOwnBases(defaults.engines())).withHealthIntervalSeconds(HEALTH_INTERVAL_SECONDS);
    }

    /** The bases as the fields of a configuration file's {@code engines} section. */
    public static Map<String, Integer> engineFields() {
        Map<String, Integer> fields = new LinkedHashMap<>();
        fields.put("storage_port_base", storagePortBase());
        fields.put("comp_port_base", compPortBase());
        fields.put("mysqld_exporter_port_base", mysqldExporterPortBase());
        fields.put("postgres_exporter_port_base", postgresExporterPortBase());
        return fields;
    }

    /**
     * Refuses a configuration whose engine settings, global or of a machine, plan from the default
     * bases, which every manager on the host shares: a test that replaced them with
     * {@link EngineConfig#defaults()} would race other test JVMs for ports now and then.
     */
    public static void requireOwnBases(ManagerConfig config) {
        Map<String, EngineConfig> entries = new LinkedHashMap<>();
        entries.put("engines", config.engines());
        config.machineEngines().forEach((hostaddr, engines) -> entries.put("machine_engines " + hostaddr, engines));
        EngineConfig defaults = EngineConfig.defaults();
        entries.forEach((name, engines) -> {
            if (engines.storagePortBase() == defaults.storagePortBase() || engines.compPortBase() == defaults.compPortBase()
                    || engines.mysqldExporterPortBase() == defaults.mysqldExporterPortBase()
                    || engines.postgresExporterPortBase() == defaults.postgresExporterPortBase()) {
                throw new IllegalStateException("the test manager's " + name + " plan ports from the default bases,"
                        + " which every manager on this host shares: build engine settings from TestPorts.engines()"
                        + " or the configuration's engines(), not EngineConfig.defaults()");
            }
        });
    }

    private record Claim(int firstPort, FileLock lock) {
    }

    /** Locks the first free block's file for the rest of this JVM's life. */
    @SuppressWarnings("resource") // the channel stays open, holding the lock, until the JVM ends
    private static Claim claimBlock() {
        try {
            Files.createDirectories(LOCKS);
            for (int block = 0; block < BLOCKS; block++) {
                FileChannel channel = FileChannel.open(LOCKS.resolve("block-" + block + ".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock();
                if (lock != null) {
                    return new Claim(FIRST + block * BLOCK, lock);
                }
                channel.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock a block of test ports under " + LOCKS, e);
        }
        throw new IllegalStateException("every one of the " + BLOCKS + " blocks of test ports under " + LOCKS
                + " is locked by another running test JVM");
    }
}
