package io.kunlun.core.monitor;

import io.kunlun.core.engines.ProcessTable;
import io.kunlun.core.engines.ReplicationState;
import io.kunlun.core.engines.StorageEngine;
import io.kunlun.core.ops.Drivers;
import io.kunlun.model.Instance;

import java.util.Optional;

/**
 * What a health round asks of a machine and of its instances. In the manager these are the
 * drivers' commands on the machines ({@link #of}); kept behind this interface so that the round
 * itself (its concurrency, its bounds, what it records) can be run against a simulated fleet of
 * any size without a single command.
 */
public interface HealthProbes {
    /** What runs on the machine now: one listing that answers for all of its instances. */
    RunningServers processes(String machine);

    /** Whether the instance's server answers a client. */
    boolean answers(Instance instance);

    /**
     * An rbr storage node's source and {@code read_only}, asked in the client run that also tells
     * whether it answers (one process per node and round, where asking apart took three): empty
     * when it does not answer.
     */
    Optional<ReplicationState> replicationState(Instance storage);

    /** The servers found running on one machine at one moment. */
    interface RunningServers {
        boolean runs(Instance instance);
    }

    /** The probes as commands on the machines, through their engine drivers. */
    static HealthProbes of(Drivers drivers) {
        return new HealthProbes() {
            @Override
            public RunningServers processes(String machine) {
                ProcessTable table = drivers.processes(machine);
                return instance -> drivers.isRunningIn(instance, table);
            }

            @Override
            public boolean answers(Instance instance) {
                return drivers.answers(instance);
            }

            @Override
            public Optional<ReplicationState> replicationState(Instance storage) {
                return engine(storage).replicationState(drivers.storageNode(storage));
            }

            private StorageEngine engine(Instance storage) {
                return drivers.storage(storage.hostaddr());
            }
        };
    }
}
