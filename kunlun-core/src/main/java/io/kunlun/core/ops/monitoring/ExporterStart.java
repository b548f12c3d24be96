package io.kunlun.core.ops.monitoring;

import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.instances.InstancePlanning;

import io.kunlun.core.ManagerException;
import io.kunlun.core.engines.Credential;
import io.kunlun.core.engines.ExporterEngine;
import io.kunlun.core.engines.StartOutcome;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.ClusterTable;
import io.kunlun.core.meta.ExporterTable.Exporter;
import io.kunlun.core.meta.ExporterTable.Kind;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;
import io.kunlun.model.job.JobRequest.InstanceAddress;

import java.util.List;
import java.util.Optional;

/**
 * What mysqld_exporter and postgres_exporter share: one exporter for one instance, on the
 * instance's machine, on a port of its own recorded for the instance's cluster, logging in as
 * the cluster's monitoring account; then the Prometheus targets rewritten so that it is scraped.
 * Idempotent: an exporter recorded for the instance is started again if it died, and left alone
 * if it runs.
 */
public final class ExporterStart {
    /** The instance, the exporter recorded for it if any, and the login it uses. */
    record Plan(Instance instance, Optional<Exporter> recorded, Credential monitoring) {
    }

    private final MetadataStore store;
    private final Hosts hosts;
    private final Drivers drivers;
    private final UpdatePrometheus prometheus;
    private final Kind kind;
    private final InstanceKind watches;

    ExporterStart(MetadataStore store, Hosts hosts, Drivers drivers, UpdatePrometheus prometheus, Kind kind) {
        this.store = store;
        this.hosts = hosts;
        this.drivers = drivers;
        this.prometheus = prometheus;
        this.kind = kind;
        this.watches = kind == Kind.MYSQLD ? InstanceKind.STORAGE : InstanceKind.COMP;
    }

    /** The instance's cluster: its exporter's port and row belong to the cluster. */
    String lockKey(InstanceAddress address) {
        return store.clusters().findInstance(address.ip(), address.port())
                .map(instance -> "cluster:" + instance.clusterName())
                .orElse("instance:" + address);
    }

    Plan check(InstanceAddress address) {
        Instance instance = store.clusters().findInstance(address.ip(), address.port())
                .orElseThrow(() -> ManagerException.notFound("no managed instance at " + address));
        if (instance.kind() != watches) {
            throw ManagerException.refused(address + " is " + describe(instance.kind()) + ", not " + describe(watches));
        }
        prometheus.requireUsable();
        engine(instance).requireProgram(hosts.get(instance.hostaddr()));
        ClusterTable.Credential monitor = store.clusters().credentials(instance.clusterName()).get("monitor");
        if (monitor == null) {
            throw ManagerException.refused("cluster " + instance.clusterName() + " has no monitoring account");
        }
        return new Plan(instance, store.exporters().forInstance(instance.hostaddr(), instance.port()).stream()
                .findFirst(), new Credential(monitor.user(), monitor.password()));
    }

    String run(Plan plan, JobContext context) {
        prometheus.willRewriteTargets(context);
        Instance instance = plan.instance();
        ExporterEngine engine = engine(instance);
        String outcome;
        Exporter exporter;
        if (plan.recorded().isPresent()) {
            // A recorded exporter is meant to run: starting it again restores that, undo leaves it.
            exporter = plan.recorded().get();
            context.step("starting " + engine.displayName() + " on " + exporter.address() + " unless it runs", 0, 2);
            StartOutcome started = engine.start(drivers.exporters().node(exporter, instance.dataDir()),
                    plan.monitoring());
            outcome = started == StartOutcome.ALREADY_RUNNING ? " already running on " : " restarted on ";
        } else {
            int port = new InstancePlanning(store, hosts, drivers).freePort(instance.hostaddr(), engine.portBase());
            exporter = new Exporter(instance.hostaddr(), port, kind, instance.hostaddr(), instance.port(),
                    instance.clusterName(), instance.shardName(), instance.compName(), instance.role());
            context.step("starting " + engine.displayName() + " on " + exporter.address(), 0, 2);
            context.willDo(RemoveExporter.NAME, new RemoveExporter.Started(exporter, instance.dataDir(), context.jobId()));
            store.clusters().reservePorts(exporter.hostaddr(), List.of(port), instance.clusterName(), context.jobId());
            store.exporters().insert(exporter);
            engine.start(drivers.exporters().node(exporter, instance.dataDir()), plan.monitoring());
            outcome = " running on ";
        }
        context.step("updating the Prometheus targets", 1, 2);
        prometheus.refresh(context);
        return engine.displayName() + outcome + exporter.address();
    }

    private ExporterEngine engine(Instance instance) {
        return drivers.exporters().engine(instance.hostaddr(), kind);
    }

    private static String describe(InstanceKind kind) {
        return kind == InstanceKind.STORAGE ? "a storage instance" : "a comp";
    }
}
