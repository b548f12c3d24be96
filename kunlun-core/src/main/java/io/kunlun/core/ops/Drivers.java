package io.kunlun.core.ops;

import io.kunlun.core.ops.instances.OsAccounts;
import io.kunlun.core.ops.monitoring.InstanceExporters;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.engines.ComputeEngine;
import io.kunlun.core.engines.ComputeLayout;
import io.kunlun.core.engines.ComputeNode;
import io.kunlun.core.engines.EngineConfig;
import io.kunlun.core.engines.InstanceMaker;
import io.kunlun.core.engines.ProcessTable;
import io.kunlun.core.engines.StartOutcome;
import io.kunlun.core.engines.StorageEngine;
import io.kunlun.core.engines.StorageLayout;
import io.kunlun.core.engines.StorageNode;
import io.kunlun.core.engines.StoragePorts;
import io.kunlun.core.engines.Transfers;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;
import io.kunlun.model.Machine;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The engine drivers for each machine (its programs may be configured apart from the others'),
 * and the translation between the metadata's instances and the drivers' nodes.
 */
public final class Drivers implements AutoCloseable {
    private final ManagerConfig config;
    private final Hosts hosts;
    private final MetadataStore store;
    private final InstanceExporters exporters;
    private final OsAccounts osAccounts;
    private final Transfers transfers = new Transfers();

    public Drivers(ManagerConfig config, Hosts hosts, MetadataStore store) {
        this.config = config;
        this.hosts = hosts;
        this.store = store;
        this.exporters = new InstanceExporters(config, hosts, store);
        this.osAccounts = new OsAccounts(store, hosts);
    }

    public InstanceExporters exporters() {
        return exporters;
    }

    public OsAccounts osAccounts() {
        return osAccounts;
    }

    /** The machine's engine settings: its own entry, else the global one. */
    public EngineConfig engines(String hostaddr) {
        return config.enginesOn(hostaddr);
    }

    public StorageEngine storage(String hostaddr) {
        return new StorageEngine(config.enginesOn(hostaddr), transfers);
    }

    public ComputeEngine compute(String hostaddr) {
        return new ComputeEngine(config.enginesOn(hostaddr));
    }

    public StorageNode storageNode(Instance instance) {
        return new StorageNode(hosts.get(instance.hostaddr()), StoragePorts.from(instance.port()),
                new StorageLayout(instance.dataDir(), instance.logDir(), instance.walDir()), instance.osAccount());
    }

    public ComputeNode computeNode(Instance instance) {
        return new ComputeNode(hosts.get(instance.hostaddr()), instance.port(), new ComputeLayout(instance.dataDir()),
                instance.osAccount());
    }

    /** Every port an instance holds on its machine. */
    public static List<Integer> ports(Instance instance) {
        return switch (instance.kind()) {
            case STORAGE -> StoragePorts.from(instance.port()).all();
            case COMP -> List.of(instance.port());
        };
    }

    /** Every directory an instance owns, deleted with it. */
    public static List<String> directories(Instance instance) {
        return switch (instance.kind()) {
            case STORAGE -> List.of(instance.dataDir(), instance.logDir(), instance.walDir());
            case COMP -> List.of(instance.dataDir());
        };
    }

    /** Whether the instance's server process runs, found by its command line on its machine. */
    public boolean isRunning(Instance instance) {
        return switch (instance.kind()) {
            case STORAGE -> storage(instance.hostaddr()).isRunning(storageNode(instance));
            case COMP -> compute(instance.hostaddr()).isRunning(computeNode(instance));
        };
    }

    /** The processes running on the machine now, to tell for several of its instances whether they run. */
    public ProcessTable processes(String hostaddr) {
        return ProcessTable.of(hosts.get(hostaddr));
    }

    /** Whether the instance's server is among the processes listed a moment ago on its machine. */
    public boolean isRunningIn(Instance instance, ProcessTable processes) {
        return switch (instance.kind()) {
            case STORAGE -> storage(instance.hostaddr()).isRunningIn(storageNode(instance), processes);
            case COMP -> compute(instance.hostaddr()).isRunningIn(computeNode(instance), processes);
        };
    }

    /**
     * Stops an instance's exporter (forgetting its row and port) and the instance, and deletes
     * its directories, if job {@code maker} made them; nothing to remove is not an error. First
     * refuses directories that are not where the manager puts such an instance under its
     * machine's roots (a row or undo payload naming {@code /usr/lib} deletes nothing). Answers
     * what the instance directory said of its maker: one made by another job, or by nobody, is
     * left alone, exporter included.
     */
    public InstanceMaker remove(Instance instance, String maker) {
        requireManagedDirectories(instance);
        InstanceMaker found = switch (instance.kind()) {
            case STORAGE -> storage(instance.hostaddr()).maker(storageNode(instance));
            case COMP -> compute(instance.hostaddr()).maker(computeNode(instance));
        };
        if (found.foreignTo(maker)) {
            return found;
        }
        exporters.removeFor(instance);
        return switch (instance.kind()) {
            case STORAGE -> storage(instance.hostaddr()).remove(storageNode(instance), maker);
            case COMP -> compute(instance.hostaddr()).remove(computeNode(instance), maker);
        };
    }

    /**
     * Refuses an instance whose directories are not {@code <root>/instance_data/<kind>/<port>}
     * for one of its machine's registered roots of that kind: the only places an instance is made.
     */
    void requireManagedDirectories(Instance instance) {
        Machine machine = store.machines().find(instance.hostaddr()).orElseThrow(() -> ManagerException.refused(
                instance.address() + ": machine " + instance.hostaddr() + " is not registered; refusing to delete"
                        + " the instance's directories"));
        outsideRoots(instance, machine).ifPresent(misplaced -> {
            throw ManagerException.refused(instance.address() + ": refusing to delete " + misplaced.directory()
                    + ": the manager puts this instance's directory only at " + String.join(" or ", misplaced.expected()));
        });
    }

    /** An instance directory that is not at any of the places the manager would put it. */
    public record Misplaced(String directory, List<String> expected) {
    }

    /** The first of the instance's directories not under the machine's roots of its kind, if any. */
    public static Optional<Misplaced> outsideRoots(Instance instance, Machine machine) {
        int port = instance.port();
        return switch (instance.kind()) {
            case STORAGE -> outside(instance.dataDir(), machine.datadir(), root -> StorageLayout.instanceDirUnder(root, port))
                    .or(() -> outside(instance.logDir(), machine.logdir(), root -> StorageLayout.binlogDirUnder(root, port)))
                    .or(() -> outside(instance.walDir(), machine.walLogDir(), root -> StorageLayout.redoDirUnder(root, port)));
            case COMP -> outside(instance.dataDir(), machine.compDatadir(),
                    root -> ComputeLayout.under(root, port).instanceDir());
        };
    }

    private static Optional<Misplaced> outside(String directory, List<String> roots, Function<String, String> placeUnder) {
        List<String> expected = roots.stream().map(placeUnder).toList();
        return expected.contains(directory) ? Optional.empty() : Optional.of(new Misplaced(directory, expected));
    }

    /** Starts an installed instance on its data and waits until it answers. */
    public StartOutcome start(Instance instance) {
        return switch (instance.kind()) {
            case STORAGE -> storage(instance.hostaddr()).start(storageNode(instance));
            case COMP -> compute(instance.hostaddr()).start(computeNode(instance));
        };
    }

    /** Shuts an instance down, keeping its data; answers whether it was running. */
    public boolean stop(Instance instance) {
        return switch (instance.kind()) {
            case STORAGE -> storage(instance.hostaddr()).stop(storageNode(instance));
            case COMP -> compute(instance.hostaddr()).stop(computeNode(instance));
        };
    }

    public boolean answers(Instance instance) {
        return switch (instance.kind()) {
            case STORAGE -> storage(instance.hostaddr()).answers(storageNode(instance));
            case COMP -> compute(instance.hostaddr()).answers(computeNode(instance));
        };
    }

    /** A server variable (storage) or setting (comp) as the instance shows it. */
    public String variable(Instance instance, String name) {
        return switch (instance.kind()) {
            case STORAGE -> storage(instance.hostaddr()).variable(storageNode(instance), name);
            case COMP -> compute(instance.hostaddr()).variable(computeNode(instance), name);
        };
    }

    /** Sets a variable on the running instance so that it also survives a restart. */
    public void setVariable(Instance instance, String name, String value, boolean integer) {
        switch (instance.kind()) {
            case STORAGE -> storage(instance.hostaddr()).setVariable(storageNode(instance), name, value, integer);
            case COMP -> compute(instance.hostaddr()).setVariable(computeNode(instance), name, value, integer);
        }
    }

    /** Stops the state transfers under way: called once the jobs that started them are stopped. */
    @Override
    public void close() {
        transfers.close();
    }
}
