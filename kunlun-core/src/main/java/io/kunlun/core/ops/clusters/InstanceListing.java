package io.kunlun.core.ops.clusters;

import io.kunlun.core.ManagerException;
import io.kunlun.core.meta.ClusterTable.Credential;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;
import io.kunlun.model.InstanceKind;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * get_storage and get_computer share this shape: {@code {"<prefix>0":{"ip":..,"port":..,...}}},
 * with the cluster's admin account only when the manager runs with --expose-credentials.
 */
public final class InstanceListing {
    private final MetadataStore store;
    private final boolean exposeCredentials;

    InstanceListing(MetadataStore store, boolean exposeCredentials) {
        this.store = store;
        this.exposeCredentials = exposeCredentials;
    }

    Map<String, Object> list(String clusterName, InstanceKind kind, String prefix,
                             BiConsumer<Instance, Map<String, Object>> details) {
        if (store.clusters().findCluster(clusterName).isEmpty()) {
            throw ManagerException.notFound("no cluster named " + clusterName);
        }
        List<Instance> instances = store.clusters().instances(clusterName).stream()
                .filter(instance -> instance.kind() == kind).toList();
        Credential admin = exposeCredentials ? store.clusters().credentials(clusterName).get("admin") : null;
        Map<String, Object> reply = new LinkedHashMap<>();
        for (int i = 0; i < instances.size(); i++) {
            Instance instance = instances.get(i);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("ip", instance.hostaddr());
            entry.put("port", Integer.toString(instance.port()));
            details.accept(instance, entry);
            entry.put("status", instance.status().wireName());
            if (admin != null) {
                entry.put("user", admin.user());
                entry.put("pwd", admin.password());
            }
            reply.put(prefix + i, entry);
        }
        return reply;
    }
}
