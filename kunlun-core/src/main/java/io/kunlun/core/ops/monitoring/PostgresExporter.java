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

/** postgres_exporter: runs the postgres_exporter of one comp and makes it a Prometheus target. */
public final class PostgresExporter implements Operation<JobRequest.PostgresExporter, ExporterStart.Plan> {
    private final ExporterStart start;

    public PostgresExporter(MetadataStore store, Hosts hosts, Drivers drivers, UpdatePrometheus prometheus) {
        this.start = new ExporterStart(store, hosts, drivers, prometheus, Kind.POSTGRES);
    }

    @Override
    public JobType type() {
        return JobType.POSTGRES_EXPORTER;
    }

    @Override
    public String lockKey(JobRequest.PostgresExporter request) {
        return start.lockKey(request.instance());
    }

    @Override
    public ExporterStart.Plan check(JobRequest.PostgresExporter request, JobContext context) {
        return start.check(request.instance());
    }

    @Override
    public Map<String, Object> describe(ExporterStart.Plan plan) {
        return Map.of("instance", PlanDescription.instance(plan.instance()));
    }

    @Override
    public String run(JobRequest.PostgresExporter request, ExporterStart.Plan plan, JobContext context) {
        return start.run(plan, context);
    }
}
