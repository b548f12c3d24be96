package io.kunlun.core.ops.topology;

import io.kunlun.core.ClusterManager;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.meta.ClusterTable.Credential;
import io.kunlun.core.meta.JobTable;
import io.kunlun.core.meta.JobTransition;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.ClusterSpec;
import io.kunlun.model.HaMode;
import io.kunlun.model.MetaNode;
import io.kunlun.model.job.JobState;
import io.kunlun.model.job.JobStatus;
import io.kunlun.model.job.Submission;
import io.kunlun.model.job.WireFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A delete job that a manager restart cut off after its run had forgotten its target (the rows
 * go last) has nothing left to do: the manager started again ends it done. One cut off while
 * it was still checking is checked like a new job.
 */
class ResumedDeletesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path home;

    @Test
    void aResumedDeleteClusterWhoseClusterIsForgottenEndsDone() throws Exception {
        JobStatus status = resumeAfterRestart("{\"job_type\":\"delete_cluster\",\"cluster_name\":\"c1\"}",
                "removed 127.0.0.2:57330", store -> { });

        assertThat(status.state()).isEqualTo(JobState.DONE);
        assertThat(status.info()).isEqualTo("c1");
        assertThat(status.step()).isEqualTo("done (resumed after a manager restart)");
    }

    @Test
    void aResumedDeleteShardWhoseShardIsForgottenEndsDone() throws Exception {
        JobStatus status = resumeAfterRestart(
                "{\"job_type\":\"delete_shard\",\"cluster_name\":\"c1\",\"shard_name\":\"shard2\"}",
                "removed 127.0.0.2:57330", this::clusterWithShard1);

        assertThat(status.state()).isEqualTo(JobState.DONE);
        assertThat(status.info()).isEqualTo("shard2");
    }

    @Test
    void aResumedDeleteCompWhoseCompIsForgottenEndsDone() throws Exception {
        JobStatus status = resumeAfterRestart(
                "{\"job_type\":\"delete_comp\",\"cluster_name\":\"c1\",\"comp_name\":\"comp2\"}",
                "removing comp2 at 127.0.0.2:57030", this::clusterWithShard1);

        assertThat(status.state()).isEqualTo(JobState.DONE);
        assertThat(status.info()).isEqualTo("comp2");
    }

    @Test
    void aResumedDeleteNodeWhoseNodeIsForgottenEndsDone() throws Exception {
        JobStatus status = resumeAfterRestart("{\"job_type\":\"delete_node\",\"cluster_name\":\"c1\","
                        + "\"shard_name\":\"shard1\",\"ip\":\"127.0.0.2\",\"port\":\"57330\"}",
                "removing 127.0.0.2:57330", this::clusterWithShard1);

        assertThat(status.state()).isEqualTo(JobState.DONE);
        assertThat(status.info()).isEqualTo("127.0.0.2:57330");
    }

    @Test
    void aDeleteCutOffWhileCheckingIsCheckedAsANewJob() throws Exception {
        JobStatus status = resumeAfterRestart(
                "{\"job_type\":\"delete_shard\",\"cluster_name\":\"c1\",\"shard_name\":\"shard2\"}",
                "checking", this::clusterWithShard1);

        assertThat(status.state()).isEqualTo(JobState.FAILED);
        assertThat(status.info()).isEqualTo("cluster c1 has no shard named shard2");
    }

    /** An rbr cluster c1 with its admin account and one shard, shard1, without instances. */
    private void clusterWithShard1(MetadataStore store) {
        store.clusters().insertCluster("c1", new ClusterSpec(HaMode.RBR, 2, 20, 100, 1, 1), "create-c1",
                List.of(new Credential("admin", "kunlun_admin", "secret")));
        store.clusters().insertShard("c1", "shard1");
    }

    /**
     * Leaves in the store what a manager killed during the job leaves (the job ongoing at the
     * step, over the rows {@code seed} writes), then opens a manager on it and awaits the job.
     */
    private JobStatus resumeAfterRestart(String request, String step, Consumer<MetadataStore> seed)
            throws InterruptedException {
        Submission submission = WireFormat.parse(("{\"job_id\":\"j1\",\"user_name\":\"alice\","
                + request.substring(1)).getBytes(StandardCharsets.UTF_8));
        ManagerConfig config = ManagerConfig.defaults(home);
        try (MetadataStore store = MetadataStore.open(config.metadata(), home, new MetaNode("127.0.0.1", 57000))) {
            seed.accept(store);
            JobTable jobs = store.jobs();
            jobs.insert("j1", submission.type(), "alice", submission.canonicalBody().toString(), "cluster:c1", "queued");
            assertThat(jobs.apply("j1", JobTransition.START, "checking")).isTrue();
            if (!step.equals("checking")) {
                jobs.progress("j1", step, 1, 2);
            }
        }
        try (ClusterManager manager = ClusterManager.open(config)) {
            return manager.await("j1", TIMEOUT);
        }
    }
}
