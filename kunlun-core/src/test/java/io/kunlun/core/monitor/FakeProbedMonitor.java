package io.kunlun.core.monitor;

import io.kunlun.core.config.HealingConfig;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobEngine;
import io.kunlun.core.jobs.UndoActions;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.instances.ControlInstance;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.InstanceStatus;
import io.kunlun.model.Role;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The real {@link HealthMonitor} over a metadata store, its probes fakes, the healing off, and
 * every command the healing's drivers could run refused: nothing outside this process is
 * contacted, whatever the store's instances name. For the unit tests and the fleet simulation.
 */
final class FakeProbedMonitor implements AutoCloseable {
    private final Drivers drivers;
    private final JobEngine jobs;
    private final HealthMonitor monitor;

    private FakeProbedMonitor(MetadataStore store, Path home, HealthProbes probes, Duration interval, int machinesAtOnce) {
        ManagerConfig config = ManagerConfig.defaults(home);
        Hosts refusing = new Hosts(config.ssh(), Set::of, () -> Optional.of("a monitor on fake probes runs no command"));
        this.drivers = new Drivers(config, refusing, store);
        this.jobs = new JobEngine(store.jobs(), List.of(), new UndoActions(List.of()), JobEngine.Settings.of(config));
        this.monitor = new HealthMonitor(store, drivers, probes, interval, machinesAtOnce, () -> { },
                new HealingConfig(false, false, 0, 0), new ControlInstance(store, drivers), jobs,
                new ManagerMetrics(store.clusters()::countByStatus), Clock.systemUTC());
    }

    /** A monitor whose rounds have begun. */
    static FakeProbedMonitor started(MetadataStore store, Path home, HealthProbes probes, Duration interval,
                                     int machinesAtOnce) {
        FakeProbedMonitor started = new FakeProbedMonitor(store, home, probes, interval, machinesAtOnce);
        started.monitor.start();
        return started;
    }

    /** An instance row as a job would have recorded it, its directories where the manager puts them. */
    static Instance instance(String hostaddr, int port, String cluster, InstanceKind kind, Optional<String> group,
                             Optional<Role> role, InstanceStatus status) {
        String dir = "/kunlun/instance_data/" + kind.wireName() + "/" + port;
        return new Instance(hostaddr, port, cluster, kind, kind == InstanceKind.STORAGE ? group : Optional.empty(),
                kind == InstanceKind.COMP ? group : Optional.empty(), role, status, 0, 0, dir, dir, dir, "");
    }

    @Override
    public void close() {
        monitor.close();
        jobs.close();
        drivers.close();
    }
}
