package io.kunlun.core.monitor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.kunlun.core.ManagerException;
import io.kunlun.core.meta.ExporterTable.Exporter;
import io.kunlun.core.meta.ExporterTable.Kind;
import io.kunlun.model.Role;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The scrape targets of every {@link ScrapeJob}, from what the metadata records: the manager
 * itself, the node exporter of each machine (on the configured port), and each instance's
 * exporter. Labels place each target: {@code hostaddr} always; {@code cluster}, {@code shard} or
 * {@code comp}, {@code role} and the instance's {@code port} for exporters, which run beside the
 * instance they watch but on a port of their own.
 */
public final class PrometheusTargets {
    public static final String HOSTADDR = "hostaddr";
    public static final String PORT = "port";
    public static final String CLUSTER = "cluster";
    public static final String SHARD = "shard";
    public static final String COMP = "comp";
    public static final String ROLE = "role";
    /** Prometheus's own label for the path it scrapes; file_sd targets may set it. */
    public static final String METRICS_PATH = "__metrics_path__";

    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private final Map<ScrapeJob, List<TargetGroup>> groups;

    private PrometheusTargets(Map<ScrapeJob, List<TargetGroup>> groups) {
        this.groups = groups;
    }

    /**
     * @param managerHost      the host the manager advertises
     * @param managerPort      the port it serves its HTTP API and {@link ManagerMetrics#PATH} on
     * @param machines         the hostaddr of every registered machine
     * @param nodeExporterPort the port node exporters listen on, the same on every machine
     * @param exporters        the exporters the manager runs
     */
    public static PrometheusTargets of(String managerHost, int managerPort, List<String> machines,
                                       int nodeExporterPort, List<Exporter> exporters) {
        Map<ScrapeJob, List<TargetGroup>> groups = new EnumMap<>(ScrapeJob.class);
        for (ScrapeJob job : ScrapeJob.values()) {
            groups.put(job, new ArrayList<>());
        }
        groups.get(ScrapeJob.MANAGER).add(TargetGroup.of(managerHost + ":" + managerPort,
                Map.of(HOSTADDR, managerHost, METRICS_PATH, ManagerMetrics.PATH)));
        for (String hostaddr : machines) {
            groups.get(ScrapeJob.MACHINES).add(TargetGroup.of(hostaddr + ":" + nodeExporterPort,
                    Map.of(HOSTADDR, hostaddr)));
        }
        for (Exporter exporter : exporters) {
            ScrapeJob job = exporter.kind() == Kind.MYSQLD ? ScrapeJob.MYSQLD : ScrapeJob.POSTGRES;
            groups.get(job).add(TargetGroup.of(exporter.address(), labels(exporter)));
        }
        return new PrometheusTargets(groups);
    }

    private static Map<String, String> labels(Exporter exporter) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(HOSTADDR, exporter.instanceHostaddr());
        labels.put(PORT, Integer.toString(exporter.instancePort()));
        labels.put(CLUSTER, exporter.clusterName());
        exporter.shardName().ifPresent(shard -> labels.put(SHARD, shard));
        exporter.compName().ifPresent(comp -> labels.put(COMP, comp));
        exporter.role().map(Role::wireName).ifPresent(role -> labels.put(ROLE, role));
        return labels;
    }

    public List<TargetGroup> groups(ScrapeJob job) {
        return List.copyOf(groups.get(job));
    }

    /** Each target file's name and content (JSON, as file_sd reads it); a job without targets gets []. */
    public Map<String, String> files() {
        Map<String, String> files = new LinkedHashMap<>();
        groups.forEach((job, list) -> files.put(job.fileName(), render(list)));
        return files;
    }

    /**
     * A job without targets is one group with no target, not an empty list: Prometheus before 2.49
     * (Debian 12 has 2.42) keeps scraping the targets of a file that became {@code []} when it
     * reloads its configuration at the same time (prometheus/prometheus#12858), but drops them for
     * a group that has none.
     */
    private static String render(List<TargetGroup> list) {
        List<TargetGroup> groups = list.isEmpty() ? List.of(new TargetGroup(List.of(), new TreeMap<>())) : list;
        try {
            return JSON.writeValueAsString(groups) + "\n";
        } catch (JsonProcessingException e) {
            throw new ManagerException(ManagerException.Code.INTERNAL, "cannot render Prometheus targets", e);
        }
    }
}
