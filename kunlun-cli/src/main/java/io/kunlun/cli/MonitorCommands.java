package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kunlunctl monitor ...}: Prometheus and the exporters it scrapes. */
@Command(name = "monitor", description = "Prometheus targets and the exporters of instances.",
        subcommands = {MonitorCommands.UpdatePrometheus.class, MonitorCommands.MysqldExporter.class,
                MonitorCommands.PostgresExporter.class})
final class MonitorCommands {
    private MonitorCommands() {
    }

    @Command(name = "update-prometheus", description = {"update_prometheus: rewrite the scrape targets and load them.",
            "Starts the manager's own Prometheus when none is configured and none runs."})
    static final class UpdatePrometheus extends JobSubmitCommand {
        @Override
        protected JobType jobType() {
            return JobType.UPDATE_PROMETHEUS;
        }
    }

    /** The instance an exporter watches. */
    abstract static class ExporterJob extends JobSubmitCommand {
        @Option(names = "--ip", required = true, paramLabel = "ADDR", description = "The instance's machine address.")
        String ip;

        @Option(names = "--port", required = true, paramLabel = "PORT", description = "The instance's SQL port.")
        int port;

        @Override
        protected void fill(ObjectNode request) {
            request.put("ip", ip).put("port", port);
        }
    }

    @Command(name = "mysqld-exporter", description = {"mysqld_exporter: run the exporter of a storage instance.",
            "On the instance's machine, on a port of its own; a Prometheus target from then on."})
    static final class MysqldExporter extends ExporterJob {
        @Override
        protected JobType jobType() {
            return JobType.MYSQLD_EXPORTER;
        }
    }

    @Command(name = "postgres-exporter", description = {"postgres_exporter: run the exporter of a comp.",
            "On the comp's machine, on a port of its own; a Prometheus target from then on."})
    static final class PostgresExporter extends ExporterJob {
        @Override
        protected JobType jobType() {
            return JobType.POSTGRES_EXPORTER;
        }
    }
}
