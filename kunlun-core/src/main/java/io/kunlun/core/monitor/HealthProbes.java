package io.kunlun.core.monitor;

import io.kunlun.core.engines.ProcessTable;
import io.kunlun.core.engines.StorageEngine;
import io.kunlun.core.ops.Drivers;
import io.kunlun.model.Instance;

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

    /** The host an rbr storage node replicates from; empty when it replicates from nobody. */
    String replicationSource(Instance storage);

    /** Whether an rbr storage node refuses writes ({@code read_only}). */
    boolean readOnly(Instance storage);

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
            public String replicationSource(Instance storage) {
                String source = engine(storage).replicaStatus(drivers.storageNode(storage)).primaryHost();
                return source == null ? "" : source;
            }

            @Override
            public boolean readOnly(Instance storage) {
                String value = engine(storage).variable(drivers.storageNode(storage), "read_only");
                return value.equalsIgnoreCase("ON") || value.equals("1");
            }

            private StorageEngine engine(Instance storage) {
                return drivers.storage(storage.hostaddr());
            }
        };
    }
}
