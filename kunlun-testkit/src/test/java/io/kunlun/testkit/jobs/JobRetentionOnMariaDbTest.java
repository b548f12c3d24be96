package io.kunlun.testkit.jobs;

import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.core.meta.JobRecord;
import io.kunlun.core.meta.JobTable;
import io.kunlun.core.meta.JobTransition;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.MetaNode;
import io.kunlun.model.job.JobType;
import io.kunlun.testkit.mariadb.MariaDbTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retention of ended jobs and the rollback columns on a real MariaDB metadata store (the
 * embedded store is covered in kunlun-core's JobRetentionTest): its SQL must run on both.
 */
class JobRetentionOnMariaDbTest {
    private static MariaDbTestServer mariadb;

    @TempDir
    Path home;

    @BeforeAll
    static void startMariaDb() {
        mariadb = MariaDbTestServer.start("127.0.0.171");
    }

    @AfterAll
    static void stopMariaDb() {
        if (mariadb != null) {
            mariadb.close();
        }
    }

    @Test
    void endedJobsPastTheRetentionAreForgottenExceptThoseAnUndoLogNames() {
        try (MetadataStore store = MetadataStore.open(new MetadataConfig(mariadb.createDatabase("retention"),
                mariadb.user(), mariadb.password()), home, new MetaNode("127.0.0.1", 57000))) {
            JobTable jobs = store.jobs();
            for (String jobId : new String[] {"j1", "j2", "j3", "j4"}) {
                jobs.insert(jobId, JobType.ADD_COMPS, "alice", "{}", "cluster:c1", "queued");
                jobs.apply(jobId, JobTransition.START, "checking");
            }
            jobs.apply("j1", JobTransition.SUCCEED, "done");
            jobs.apply("j2", JobTransition.FAIL, "failed");
            jobs.appendUndo("j2", "remove-instance", "{}");
            jobs.beginRollback("j3", "disk full", "rolling back after: disk full");

            assertThat(jobs.pruneEnded(System.currentTimeMillis() + 1, 100_000)).isEqualTo(1);

            assertThat(jobs.newest(10)).extracting(JobRecord::jobId).containsExactly("j4", "j3", "j2");
            assertThat(jobs.find("j3").orElseThrow().rollbackCause()).contains("disk full");
        }
    }
}
