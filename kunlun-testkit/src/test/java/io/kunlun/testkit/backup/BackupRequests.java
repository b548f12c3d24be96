package io.kunlun.testkit.backup;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.UUID;

/** The backup tests' requests. */
final class BackupRequests {
    private BackupRequests() {
    }

    /** backup_cluster of the cluster, with a fresh job_id. */
    static ObjectNode backup(String clusterName) {
        return JsonNodeFactory.instance.objectNode().put("job_id", "backup-" + UUID.randomUUID())
                .put("job_type", "backup_cluster").put("backup_cluster_name", clusterName).put("user_name", "tester");
    }
}
