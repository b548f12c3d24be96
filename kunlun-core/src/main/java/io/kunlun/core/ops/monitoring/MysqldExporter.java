package io.kunlun.core.ops.monitoring;

import io.kunlun.core.ops.Drivers;
import io.kunlun.core.ops.Operation;
import io.kunlun.core.ops.PlanDescription;

import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.jobs.JobContext;
import io.kunlun.core.meta.ExporterTable.Kind;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.Map;

/** mysqld_exporter: runs the mysqld_exporter of one storage instance and makes it a Prometheus target. */
public final class MysqldExporter implements Operation<JobRequest.MysqldExporter, ExporterStart.Plan> {
    private final ExporterStart start;

    public MysqldExporter(MetadataStore store, Hosts hosts, Drivers drivers, UpdatePrometheus prometheus) {
        this.start = new ExporterStart(store, hosts, drivers, prometheus, Kind.MYSQLD);
    }

    @Override
    public JobType type() {
        return JobType.MYSQLD_EXPORTER;
    }

    @Override
    public String lockKey(JobRequest.MysqldExporter request) {
        return start.lockKey(request.instance());
    }

    @Override
    public ExporterStart.Plan check(JobRequest.MysqldExporter request, JobContext context) {
        return start.check(request.instance());
    }

    @Override
    public Map<String, Object> describe(ExporterStart.Plan plan) {
        return Map.of("instance", PlanDescription.instance(plan.instance()));
    }

    @Override
    public String run(JobRequest.MysqldExporter request, ExporterStart.Plan plan, JobContext context) {
        return start.run(plan, context);
    }
}
