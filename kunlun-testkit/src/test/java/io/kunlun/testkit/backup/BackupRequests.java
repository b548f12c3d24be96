package io.kunlun.testkit.backup;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.cluster.ClusterFixture;

import java.util.List;
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

    /** restore_new_cluster of the cluster's backups at the time, onto the machines, with a fresh job_id. */
    static ObjectNode restoreNew(String timestamp, String clusterName, List<LoopbackMachine> machines) {
        return ClusterFixture.machineList(JsonNodeFactory.instance.objectNode()
                .put("job_id", "restore-" + UUID.randomUUID()).put("job_type", "restore_new_cluster")
                .put("timestamp", timestamp).put("backup_cluster_name", clusterName).put("user_name", "tester"),
                ClusterFixture.hostaddrs(machines));
    }

    /** restore_cluster of the cluster's backups at the time into the existing target, with a fresh job_id. */
    static ObjectNode restoreInPlace(String timestamp, String backupClusterName, String restoreClusterName) {
        return JsonNodeFactory.instance.objectNode().put("job_id", "restore-" + UUID.randomUUID())
                .put("job_type", "restore_cluster").put("timestamp", timestamp)
                .put("backup_cluster_name", backupClusterName).put("restore_cluster_name", restoreClusterName)
                .put("user_name", "tester");
    }

    /** delete_backup of the cluster's backup of that id, with a fresh job_id. */
    static ObjectNode deleteBackup(String clusterName, String backupId) {
        return JsonNodeFactory.instance.objectNode().put("job_id", "delete-backup-" + UUID.randomUUID())
                .put("job_type", "delete_backup").put("cluster_name", clusterName).put("backup_id", backupId)
                .put("user_name", "tester");
    }
}
