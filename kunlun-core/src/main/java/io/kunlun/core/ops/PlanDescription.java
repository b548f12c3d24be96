package io.kunlun.core.ops;

import io.kunlun.model.Instance;
import io.kunlun.model.PathSpace;
import io.kunlun.model.Role;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How dry runs show plans: instances with their machine, ports and directories, in the API's
 * style (numbers as strings). Only what the plan decides, never credentials.
 */
public final class PlanDescription {
    private PlanDescription() {
    }

    /** One instance: kind, shard or comp name, role, machine, ports and directories. */
    public static Map<String, Object> instance(Instance instance) {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("kind", instance.kind().name().toLowerCase(java.util.Locale.ROOT));
        instance.shardName().ifPresent(shard -> described.put("shard", shard));
        instance.compName().ifPresent(comp -> described.put("comp", comp));
        instance.role().map(Role::wireName).ifPresent(role -> described.put("role", role));
        described.put("ip", instance.hostaddr());
        described.put("port", Integer.toString(instance.port()));
        described.put("ports", Drivers.ports(instance).stream().map(String::valueOf).collect(Collectors.joining(",")));
        described.put("directories", Drivers.directories(instance));
        return described;
    }

    public static List<Map<String, Object>> instances(Collection<Instance> instances) {
        return instances.stream().map(PlanDescription::instance).toList();
    }

    /** The instances a job would make, under {@code new_instances}. */
    public static Map<String, Object> adding(String cluster, Collection<Instance> instances) {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("cluster_name", cluster);
        described.put("new_instances", instances(instances));
        return described;
    }

    /** The instances a job would stop and delete with their directories, under {@code removed_instances}. */
    public static Map<String, Object> removing(Collection<Instance> instances) {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("removed_instances", instances(instances));
        return described;
    }

    /** A machine's root paths as checked on it, with their space. */
    public static Map<String, Object> paths(List<PathSpace> paths) {
        return Map.of("paths", paths.stream().map(path -> Map.<String, Object>of("path", path.path(),
                "total_bytes", Long.toString(path.totalBytes()), "free_bytes", Long.toString(path.freeBytes())))
                .toList());
    }
}
