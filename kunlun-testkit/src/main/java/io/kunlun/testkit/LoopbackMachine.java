package io.kunlun.testkit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;

/**
 * A machine for tests: a loopback address (this machine, reached without SSH) with its own
 * temporary root paths. Handed out by {@link LoopbackMachines}, which deletes the paths again.
 *
 * @param root        the temporary directory holding the four root paths
 * @param datadir     storage instances' data
 * @param logdir      storage instances' logs
 * @param walLogDir   storage instances' write-ahead logs
 * @param compDatadir compute instances' data
 */
public record LoopbackMachine(String hostaddr, Path root, Path datadir, Path logdir, Path walLogDir,
                              Path compDatadir) {
    public static final String TOTAL_MEM_MB = "4096";
    public static final String TOTAL_CPU_CORES = "2";
    public static final String RACK_ID = "1";
    public static final String USER_NAME = "testkit";

    /** The request Xpanel sends for this machine: every field a string, as in the API's examples. */
    public ObjectNode request(String jobType, String jobId) {
        return JsonNodeFactory.instance.objectNode()
                .put("ver", "0.1")
                .put("job_id", jobId)
                .put("job_type", jobType)
                .put("hostaddr", hostaddr)
                .put("rack_id", RACK_ID)
                .put("datadir", datadir.toString())
                .put("logdir", logdir.toString())
                .put("wal_log_dir", walLogDir.toString())
                .put("comp_datadir", compDatadir.toString())
                .put("total_mem", TOTAL_MEM_MB)
                .put("total_cpu_cores", TOTAL_CPU_CORES)
                .put("user_name", USER_NAME);
    }

    public String createMachineJson(String jobId) {
        return request("create_machine", jobId).toString();
    }

    public String updateMachineJson(String jobId) {
        return request("update_machine", jobId).toString();
    }

    public String deleteMachineJson(String jobId) {
        return JsonNodeFactory.instance.objectNode()
                .put("job_id", jobId)
                .put("job_type", "delete_machine")
                .put("hostaddr", hostaddr)
                .put("user_name", USER_NAME)
                .toString();
    }
}
