package io.kunlun.core.meta;

import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.model.Machine;
import io.kunlun.model.MetaNode;
import io.kunlun.model.job.JobState;
import io.kunlun.model.job.JobType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Retention of ended jobs in a real (embedded) metadata store. */
class JobRetentionTest {
    private static final int KEEP_ALL = 100_000;
    private static final long LONG_AGO = 0;

    @TempDir
    Path home;

    private MetadataStore store;
    private JobTable jobs;

    @BeforeEach
    void open() {
        store = MetadataStore.open(MetadataConfig.embedded(), home, new MetaNode("127.0.0.1", 57000));
        jobs = store.jobs();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void jobsThatEndedBeforeTheCutOffAreForgottenAndTheOthersKept() {
        end("old-done", JobTransition.SUCCEED);
        end("old-failed", JobTransition.FAIL);
        start("running");
        jobs.insert("waiting", JobType.ADD_COMPS, "alice", "{}", "cluster:c1", "queued");
        long cutOff = System.currentTimeMillis() + 1;
        end("recent", JobTransition.SUCCEED);
        setEndedAt("recent", cutOff + 60_000);

        assertThat(jobs.pruneEnded(cutOff, KEEP_ALL)).isEqualTo(2);

        assertThat(jobs.newest(10)).extracting(JobRecord::jobId).containsExactly("recent", "waiting", "running");
    }

    @Test
    void endedJobsBeyondTheNewestCountAreForgotten() {
        for (int i = 1; i <= 5; i++) {
            end("j" + i, JobTransition.SUCCEED);
        }

        assertThat(jobs.pruneEnded(LONG_AGO, 2)).isEqualTo(3);

        assertThat(jobs.newest(10)).extracting(JobRecord::jobId).containsExactly("j5", "j4");
    }

    @Test
    void aJobIdThatAnUndoLogAClusterOrAPortReservationNamesIsKept() {
        end("undo", JobTransition.FAIL);
        jobs.appendUndo("undo", "remove-instance", "{}");
        end("cluster", JobTransition.SUCCEED);
        store.jdbi().useHandle(handle -> handle.execute("INSERT INTO cluster (name, ha_mode, nodes, max_storage_size_gb,"
                + " max_connections, cpu_cores, innodb_size_gb, created_at, job_id)"
                + " VALUES ('c1', 'mgr', 3, 20, 1000, 8, 1, 0, 'cluster')"));
        end("ports", JobTransition.SUCCEED);
        store.machines().insert(new Machine("127.0.0.2", "1", List.of("/d"), List.of("/l"), List.of("/w"),
                List.of("/c"), 4096, 8), List.of());
        store.clusters().reservePorts("127.0.0.2", List.of(57001), "c1", "ports");
        end("unnamed", JobTransition.SUCCEED);

        assertThat(jobs.pruneEnded(System.currentTimeMillis() + 1, KEEP_ALL)).isEqualTo(1);

        assertThat(jobs.newest(10)).extracting(JobRecord::jobId).containsExactly("ports", "cluster", "undo");
    }

    private void start(String jobId) {
        jobs.insert(jobId, JobType.ADD_COMPS, "alice", "{}", "cluster:c1", "queued");
        assertThat(jobs.apply(jobId, JobTransition.START, "checking")).isTrue();
    }

    private void end(String jobId, JobTransition transition) {
        start(jobId);
        assertThat(jobs.apply(jobId, transition, "ended")).isTrue();
        assertThat(jobs.find(jobId).orElseThrow().status().state()).isIn(JobState.DONE, JobState.FAILED);
    }

    private void setEndedAt(String jobId, long endedAt) {
        store.jdbi().useHandle(handle -> handle.execute("UPDATE job SET ended_at = ? WHERE job_id = ?", endedAt, jobId));
    }
}
