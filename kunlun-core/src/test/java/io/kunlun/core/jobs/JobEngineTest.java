package io.kunlun.core.jobs;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.core.jobs.FailingOperation.SideEffect;
import io.kunlun.core.jobs.ResumingOperation.Run;
import io.kunlun.core.meta.EventTable;
import io.kunlun.core.meta.JobTable;
import io.kunlun.core.meta.JobTransition;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.meta.UndoRecord;
import io.kunlun.core.ops.Operation;
import io.kunlun.model.MetaNode;
import io.kunlun.model.job.JobState;
import io.kunlun.model.job.JobStatus;
import io.kunlun.model.job.JobType;
import io.kunlun.model.job.Submission;
import io.kunlun.model.job.WireFormat;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/** The job engine on a real metadata store (H2 in a temporary home), with test operations. */
class JobEngineTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String DISK_FULL = "no space left on device /data";

    /** Stops within a fraction of a second; retries rollbacks after a second. */
    private static final JobEngine.Settings SETTINGS = new JobEngine.Settings(8, Duration.ofMillis(300),
            Duration.ofSeconds(1), Duration.ofDays(90), 100_000);
    /** Retries a rollback only at the next start, in effect. */
    private static final JobEngine.Settings NO_TIMELY_RETRY = new JobEngine.Settings(8, Duration.ofMillis(300),
            Duration.ofHours(1), Duration.ofDays(90), 100_000);
    /** Longer than H2 waits for a row lock before it fails a write. */
    private static final Duration LOCK_TIMEOUT_AND_MORE = Duration.ofSeconds(3);

    @TempDir
    Path home;

    private final List<AutoCloseable> opened = new ArrayList<>();
    private final BlockingOperation blocking = new BlockingOperation();
    private final InstantOperation instant = new InstantOperation();
    private final RecordingUndo forget = new RecordingUndo("forget");
    private final FlakyUndo flaky = new FlakyUndo();
    private MetadataStore store;

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(opened);
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
        opened.clear();
    }

    @Test
    void aJobIsAcceptedThenOngoingAtItsStepThenDone() throws Exception {
        JobEngine engine = engine(blocking);

        JobStatus accepted = engine.submit(deleteCluster("j1", "c1"));
        assertThat(accepted.state()).isEqualTo(JobState.ACCEPT);
        assertThat(accepted.info()).isEqualTo("queued");
        assertThat(accepted.jobType()).isEqualTo(JobType.DELETE_CLUSTER);
        assertThat(accepted.userName()).isEqualTo("alice");

        assertThat(blocking.nextStarted()).isEqualTo("j1");
        JobStatus ongoing = engine.status("j1").orElseThrow();
        assertThat(ongoing.state()).isEqualTo(JobState.ONGOING);
        assertThat(ongoing.step()).isEqualTo("deleting c1");
        assertThat(ongoing.info()).isEqualTo("deleting c1");
        assertThat(ongoing.progress()).contains("1/2");
        assertThat(ongoing.startedAt()).isPresent();
        assertThat(ongoing.endedAt()).isEmpty();

        blocking.release("j1");
        JobStatus done = engine.await("j1", TIMEOUT);
        assertThat(done.state()).isEqualTo(JobState.DONE);
        assertThat(done.info()).isEqualTo("deleted c1");
        assertThat(done.step()).isEqualTo("deleting c1");
        assertThat(done.endedAt()).isPresent();
    }

    @Test
    void aFailingJobEndsFailedWithItsCause() throws Exception {
        JobEngine engine = engine(new FailingOperation(List.of(), ManagerException.refused(DISK_FULL)));

        engine.submit(backupCluster("j1", "c1"));

        JobStatus failed = engine.await("j1", TIMEOUT);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.info()).isEqualTo(DISK_FULL);
        assertThat(failed.endedAt()).isPresent();
    }

    @Test
    void aFailingJobReplaysItsUndoLogNewestFirstAndSaysSo() throws Exception {
        JobEngine engine = engine(new FailingOperation(
                List.of(new SideEffect("forget", "a"), new SideEffect("forget", "b"), new SideEffect("forget", "c")),
                ManagerException.refused(DISK_FULL)));

        engine.submit(backupCluster("j1", "c1"));

        JobStatus failed = engine.await("j1", TIMEOUT);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.info()).isEqualTo(DISK_FULL + "; rolled back");
        assertThat(failed.step()).isEqualTo("making c");
        assertThat(failed.progress()).contains("2/3");
        assertThat(forget.undone()).containsExactly("c", "b", "a");
        assertThat(store.jobs().undoLog("j1")).isEmpty();
    }

    @Test
    void anUndoThatThrowsStopsTheRollbackAndKeepsTheJobOngoingWithWhatIsLeft() throws Exception {
        JobEngine engine = engine(new FailingOperation(
                List.of(new SideEffect("forget", "a"), new SideEffect(ThrowingUndo.NAME, "/data/b"),
                        new SideEffect("forget", "c")),
                ManagerException.refused(DISK_FULL)));

        engine.submit(backupCluster("j1", "c1"));

        JobStatus rollingBack = awaitInfo(engine, "j1", "rollback incomplete");
        assertThat(rollingBack.state()).isEqualTo(JobState.ONGOING);
        assertThat(rollingBack.info()).isEqualTo(DISK_FULL + "; rollback incomplete: undo of remove_dir failed:"
                + " rm: cannot remove '/data/b': Permission denied; 1 older undo record not replayed;"
                + " retried in 1 s and at the next start");
        assertThat(rollingBack.step()).isEqualTo("making c");
        assertThat(forget.undone()).containsExactly("c");
        assertThat(store.jobs().undoLog("j1")).extracting(UndoRecord::action, UndoRecord::payload)
                .containsExactly(tuple(ThrowingUndo.NAME, "\"/data/b\""),
                        tuple("forget", "\"a\""));
    }

    @Test
    void aRollbackThatCouldNotFinishIsRetriedOnATimerUntilItDoes() throws Exception {
        flaky.failNext(1);
        JobEngine engine = engine(new FailingOperation(
                List.of(new SideEffect("forget", "a"), new SideEffect(FlakyUndo.NAME, "127.0.0.2"),
                        new SideEffect("forget", "c")),
                ManagerException.refused(DISK_FULL)));

        engine.submit(backupCluster("j1", "c1"));

        JobStatus failed = engine.await("j1", TIMEOUT);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.info()).isEqualTo(DISK_FULL + "; rolled back");
        assertThat(flaky.undone()).containsExactly("127.0.0.2");
        assertThat(forget.undone()).containsExactly("c", "a");
        assertThat(store.jobs().undoLog("j1")).isEmpty();
    }

    @Test
    void aRollbackThatCouldNotFinishIsRetriedAtTheNextStart() throws Exception {
        flaky.failNext(1);
        JobEngine first = engine(NO_TIMELY_RETRY, new FailingOperation(
                List.of(new SideEffect(FlakyUndo.NAME, "127.0.0.2")), ManagerException.refused(DISK_FULL)));
        first.submit(backupCluster("j1", "c1"));
        awaitInfo(first, "j1", "rollback incomplete");
        closeAll();

        JobEngine second = engine(new FailingOperation(List.of(), ManagerException.refused(DISK_FULL)));

        JobStatus failed = second.await("j1", TIMEOUT);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.info()).isEqualTo(DISK_FULL + "; rolled back");
        assertThat(flaky.undone()).containsExactly("127.0.0.2");
    }

    @Test
    void jobsBehindARollbackThatCouldNotFinishWaitForIt() throws Exception {
        flaky.failNext(1);
        JobEngine engine = engine(NO_TIMELY_RETRY, new FailingOperation(
                List.of(new SideEffect(FlakyUndo.NAME, "127.0.0.2")), ManagerException.refused(DISK_FULL)), instant);
        engine.submit(backupCluster("j1", "c1"));
        awaitInfo(engine, "j1", "rollback incomplete");

        engine.submit(addComps("j2", "c1"));
        engine.submit(addComps("j3", "c2"));

        assertThat(engine.await("j3", TIMEOUT).state()).isEqualTo(JobState.DONE);
        assertThat(engine.status("j2").orElseThrow().state()).isEqualTo(JobState.ACCEPT);
        assertThat(instant.runsOf("j2")).isZero();
    }

    @Test
    void aJobCutOffByAStopStaysOngoingWithItsUndoLogAndIsRolledBackAtTheNextStart() throws Exception {
        JobEngine first = engine(blocking);
        first.submit(deleteCluster("j1", "c1"));
        blocking.nextStarted();

        first.close();

        JobStatus cutOff = first.status("j1").orElseThrow();
        assertThat(cutOff.state()).isEqualTo(JobState.ONGOING);
        assertThat(cutOff.step()).isEqualTo("deleting c1");
        assertThat(store.jobs().undoLog("j1")).extracting(UndoRecord::payload).containsExactly("\"c1\"");
        assertThat(forget.undone()).isEmpty();
        closeAll();

        JobEngine second = engine(blocking);
        JobStatus failed = second.await("j1", TIMEOUT);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.info()).isEqualTo("the manager stopped while the job was at step 'deleting c1'; rolled back");
        assertThat(forget.undone()).containsExactly("c1");
    }

    @Test
    void aResumableJobCutOffByAStopResumesAtTheNextStart() throws Exception {
        JobEngine first = engine(new BlockingOperation(JobType.DELETE_SHARD, true));
        first.submit(deleteShard("j1", "c1"));
        awaitInfo(first, "j1", "deleting c1");

        first.close();
        assertThat(first.status("j1").orElseThrow().state()).isEqualTo(JobState.ONGOING);
        closeAll();

        ResumingOperation resuming = new ResumingOperation(Optional.empty());
        JobEngine second = engine(resuming);
        JobStatus done = second.await("j1", TIMEOUT);
        assertThat(done.state()).isEqualTo(JobState.DONE);
        assertThat(resuming.runs()).containsExactly(new Run("j1", true, true));
        assertThat(forget.undone()).isEmpty();
    }

    @Test
    void aRunCutOffAfterItCompletedEndsDoneAtTheNextStartAndIsNotRolledBack() throws Exception {
        CompletingOperation cutOff = new CompletingOperation(() -> recordEvent("c1"),
                CompletingOperation::awaitInterrupt);
        JobEngine first = engine(cutOff);
        first.submit(addComps("j1", "c1"));
        awaitInfo(first, "j1", "starting what the manager keeps running");

        first.close();
        assertThat(first.status("j1").orElseThrow().state()).isEqualTo(JobState.ONGOING);
        closeAll();

        JobEngine second = engine(cutOff);
        JobStatus done = second.await("j1", TIMEOUT);
        assertThat(done.state()).isEqualTo(JobState.DONE);
        assertThat(done.info()).isEqualTo("added comps to c1");
        assertThat(forget.undone()).isEmpty();
        assertThat(store.jobs().undoLog("j1")).isEmpty();
        assertThat(store.events().newest(Optional.of("c1"), 10)).hasSize(1);
    }

    @Test
    void aRunThatFailsAfterItCompletedEndsDoneAndIsNotRolledBack() throws Exception {
        JobEngine engine = engine(new CompletingOperation(() -> recordEvent("c1"), () -> {
            throw ManagerException.refused(DISK_FULL);
        }));

        engine.submit(addComps("j1", "c1"));

        JobStatus done = engine.await("j1", TIMEOUT);
        assertThat(done.state()).isEqualTo(JobState.DONE);
        assertThat(done.info()).isEqualTo("added comps to c1");
        assertThat(forget.undone()).isEmpty();
        assertThat(store.events().newest(Optional.of("c1"), 10)).hasSize(1);
    }

    @Test
    void lastWritesThatFailAreNotMadeAndTheRunIsRolledBack() throws Exception {
        JobEngine engine = engine(new CompletingOperation(() -> {
            recordEvent("c1");
            throw ManagerException.refused(DISK_FULL);
        }, () -> { }));

        engine.submit(addComps("j1", "c1"));

        JobStatus failed = engine.await("j1", TIMEOUT);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.info()).isEqualTo(DISK_FULL + "; rolled back");
        assertThat(forget.undone()).containsExactly("c1");
        assertThat(store.events().newest(Optional.of("c1"), 10)).isEmpty();
    }

    @Test
    void anOngoingJobWhoseRunCompletedEndsDoneOnRecoveryWithItsInfoAndItsUndoLogIsNotReplayed() throws Exception {
        leaveOngoing(addComps("j1", "c1"), "starting the binlog archivers", List.of("c1"));
        try (MetadataStore previous = openStore()) {
            previous.jobs().recordCompletion("j1", 0, "added comps to c1", () -> { });
        }

        JobEngine engine = engine(instant);

        JobStatus done = engine.await("j1", TIMEOUT);
        assertThat(done.state()).isEqualTo(JobState.DONE);
        assertThat(done.info()).isEqualTo("added comps to c1");
        assertThat(done.endedAt()).isPresent();
        assertThat(forget.undone()).isEmpty();
        assertThat(store.jobs().undoLog("j1")).isEmpty();
        assertThat(instant.runsOf("j1")).isZero();
    }

    @Test
    void aJobWhoseEndCannotBeRecordedAtFirstIsRecordedDoneOnceTheStoreTakesIt() throws Exception {
        JobEngine engine = engine(blocking);
        engine.submit(deleteCluster("j1", "c1"));
        blocking.nextStarted();

        try (Handle holder = store.jdbi().open()) {
            // Another transaction holds the job's row: the engine's write of "done" times out.
            holder.begin();
            holder.createQuery("SELECT state FROM job WHERE job_id = 'j1' FOR UPDATE").mapTo(String.class).one();
            blocking.release("j1");
            Thread.sleep(LOCK_TIMEOUT_AND_MORE.toMillis());
            assertThat(engine.status("j1").orElseThrow().state()).isEqualTo(JobState.ONGOING);
            holder.commit();
        }

        JobStatus done = engine.await("j1", TIMEOUT);
        assertThat(done.state()).isEqualTo(JobState.DONE);
        assertThat(forget.undone()).isEmpty();
        assertThat(store.jobs().undoLog("j1")).isEmpty();
    }

    @Test
    void endedJobsBeyondTheRetentionAreForgottenFromTheStart() throws Exception {
        JobEngine first = engine(instant);
        for (int i = 1; i <= 3; i++) {
            first.submit(addComps("j" + i, "c1"));
        }
        first.await("j3", TIMEOUT);
        closeAll();

        JobEngine second = engine(new JobEngine.Settings(8, Duration.ofMillis(300), Duration.ofSeconds(1),
                Duration.ofDays(90), 2), instant);

        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (second.newest(10).size() > 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(second.newest(10)).extracting(JobStatus::jobId).containsExactly("j3", "j2");
    }

    @Test
    void aLockKeyLeavesTheQueuesWhenItsJobsHaveEnded() throws Exception {
        JobEngine engine = engine(instant);
        for (int i = 1; i <= 20; i++) {
            engine.submit(addComps("j" + i, "c" + i));
        }
        for (int i = 1; i <= 20; i++) {
            engine.await("j" + i, TIMEOUT);
        }

        // A job is ended in the store a moment before its worker lets go of the key.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (engine.busyLockKeys() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(engine.busyLockKeys()).isZero();
    }

    @Test
    void anInternalErrorFailsItsJobAndTheNextJobOnTheClusterStillRuns() throws Exception {
        JobEngine engine = engine(new FailingOperation(List.of(), new AssertionError("bug")), instant);

        engine.submit(backupCluster("j1", "c1"));
        engine.submit(addComps("j2", "c1"));

        JobStatus failed = engine.await("j1", TIMEOUT);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.info()).isEqualTo("internal error: java.lang.AssertionError: bug");
        assertThat(engine.await("j2", TIMEOUT).state()).isEqualTo(JobState.DONE);
    }

    @Test
    void aJobTypeThatNoOperationImplementsFailsAsNotImplemented() throws Exception {
        JobEngine engine = engine(blocking);

        engine.submit(parse("{\"job_type\":\"delete_shard\",\"job_id\":\"j1\",\"cluster_name\":\"c1\","
                + "\"shard_name\":\"shard1\"}"));

        JobStatus failed = engine.await("j1", TIMEOUT);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.info()).isEqualTo("delete_shard is not implemented yet");
    }

    @Test
    void theSameJobIdWithTheSameBodyIsOneJobThatRunsOnce() throws Exception {
        JobEngine engine = engine(blocking);
        engine.submit(deleteCluster("j1", "c1"));
        assertThat(blocking.nextStarted()).isEqualTo("j1");

        Submission again = parse("{\"ver\":\"1.0\",\"cluster_name\":\"c1\",\"user_name\":\"alice\","
                + "\"job_id\":\"j1\",\"job_type\":\"delete_cluster\"}");
        assertThat(engine.submit(again).state()).isEqualTo(JobState.ONGOING);
        blocking.release("j1");
        engine.await("j1", TIMEOUT);
        JobStatus afterEnd = engine.submit(again);

        assertThat(afterEnd.jobId()).isEqualTo("j1");
        assertThat(afterEnd.state()).isEqualTo(JobState.DONE);
        assertThat(blocking.startedWithin(300)).isNull();
        assertThat(blocking.runs()).isEqualTo(1);
    }

    @Test
    void theSameJobIdWithAnotherBodyIsRefused() throws Exception {
        JobEngine engine = engine(instant);
        engine.submit(addComps("j1", "c1"));

        assertThatThrownBy(() -> engine.submit(addComps("j1", "c2")))
                .isInstanceOf(ManagerException.class)
                .hasMessage("job_id j1 was already used for another request")
                .extracting(e -> ((ManagerException) e).code()).isEqualTo(ManagerException.Code.CONFLICT);
        assertThat(engine.await("j1", TIMEOUT).info()).isEqualTo("added comps to c1");
    }

    @Test
    void aJobIsStoredWithoutTheFieldsItsTypeDoesNotKnowAndIsTheSameJobWithOrWithoutThem() throws Exception {
        JobEngine engine = engine(instant);
        engine.submit(parse("{\"job_type\":\"add_comps\",\"job_id\":\"j1\",\"user_name\":\"alice\","
                + "\"cluster_name\":\"c1\",\"comps\":\"1\",\"padding\":\"" + "x".repeat(10_000) + "\"}"));

        JobStatus again = engine.submit(addComps("j1", "c1"));

        assertThat(again.jobId()).isEqualTo("j1");
        assertThat(store.jobs().find("j1").orElseThrow().requestJson()).isEqualTo("{\"cluster_name\":\"c1\","
                + "\"comps\":\"1\",\"job_id\":\"j1\",\"job_type\":\"add_comps\",\"user_name\":\"alice\"}");
        assertThat(engine.await("j1", TIMEOUT).state()).isEqualTo(JobState.DONE);
        assertThat(instant.runsOf("j1")).isEqualTo(1);
    }

    @Test
    void concurrentSubmissionsOfOneJobIdMakeOneJob() throws Exception {
        JobEngine engine = engine(instant);
        int clients = 8;
        CyclicBarrier together = new CyclicBarrier(clients);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<JobStatus>> answers = IntStream.range(0, clients)
                    .mapToObj(i -> pool.submit(() -> {
                        together.await();
                        return engine.submit(addComps("j1", "c1"));
                    }))
                    .toList();
            for (Future<JobStatus> answer : answers) {
                assertThat(answer.get().jobId()).isEqualTo("j1");
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(engine.await("j1", TIMEOUT).state()).isEqualTo(JobState.DONE);
        assertThat(instant.runsOf("j1")).isEqualTo(1);
        assertThat(engine.newest(10)).hasSize(1);
    }

    @Test
    void jobsOnOneClusterRunOneAtATimeInTheOrderTheyWereAccepted() throws Exception {
        JobEngine engine = engine(blocking);
        List<String> jobIds = List.of("j1", "j2", "j3", "j4", "j5");
        for (String jobId : jobIds) {
            engine.submit(deleteCluster(jobId, "c1"));
        }

        for (int i = 0; i < jobIds.size(); i++) {
            assertThat(blocking.nextStarted()).isEqualTo(jobIds.get(i));
            assertThat(blocking.startedWithin(200)).isNull();
            for (String waiting : jobIds.subList(i + 1, jobIds.size())) {
                assertThat(engine.status(waiting).orElseThrow().state()).isEqualTo(JobState.ACCEPT);
            }
            blocking.release(jobIds.get(i));
        }

        for (String jobId : jobIds) {
            assertThat(engine.await(jobId, TIMEOUT).state()).isEqualTo(JobState.DONE);
        }
        assertThat(blocking.mostRunningOnOneCluster()).isEqualTo(1);
    }

    @Test
    void jobsOnOtherClustersRunConcurrently() throws Exception {
        JobEngine engine = engine(blocking);
        engine.submit(deleteCluster("j1", "c1"));
        engine.submit(deleteCluster("j2", "c2"));
        engine.submit(deleteCluster("j3", "c3"));

        List<String> running = List.of(blocking.nextStarted(), blocking.nextStarted(), blocking.nextStarted());

        assertThat(running).containsExactlyInAnyOrder("j1", "j2", "j3");
        running.forEach(blocking::release);
        for (String jobId : running) {
            assertThat(engine.await(jobId, TIMEOUT).state()).isEqualTo(JobState.DONE);
        }
    }

    @Test
    void anOngoingJobLeftByAStoppedManagerIsRolledBackAndFailedOnRecovery() throws Exception {
        leaveOngoing(backupCluster("j1", "c1"), "copying files", List.of("a", "b"));

        JobEngine engine = engine(new FailingOperation(List.of(), ManagerException.refused(DISK_FULL)),
                new ResumingOperation(Optional.empty()));

        JobStatus failed = engine.await("j1", TIMEOUT);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.info()).isEqualTo("the manager stopped while the job was at step 'copying files'; rolled back");
        assertThat(failed.endedAt()).isPresent();
        assertThat(forget.undone()).containsExactly("b", "a");
        assertThat(store.jobs().undoLog("j1")).isEmpty();
    }

    @Test
    void anOngoingJobThatRecordedNoSideEffectFailsOnRecoveryWithNothingToRollBack() throws Exception {
        leaveOngoing(backupCluster("j1", "c1"), "checking", List.of());

        JobEngine engine = engine(blocking);

        assertThat(engine.status("j1").orElseThrow().info())
                .isEqualTo("the manager stopped while the job was at step 'checking'; nothing to roll back");
    }

    @Test
    void anOngoingJobWhoseOperationResumesRunsAgainOnRecoveryAndEndsDone() throws Exception {
        ResumingOperation resuming = new ResumingOperation(Optional.empty());
        leaveOngoing(deleteShard("j1", "c1"), "removing 127.0.0.2:57330", List.of());

        JobEngine engine = engine(resuming);

        JobStatus done = engine.await("j1", TIMEOUT);
        assertThat(done.state()).isEqualTo(JobState.DONE);
        assertThat(done.info()).isEqualTo("deleted c1");
        assertThat(done.step()).isEqualTo("deleting c1 (resumed after a manager restart)");
        assertThat(resuming.runs()).containsExactly(new Run("j1", true, true));
    }

    @Test
    void aResumedJobThatFailsEndsFailedWithItsCauseAndRollsBackWhatItRecorded() throws Exception {
        leaveOngoing(deleteShard("j1", "c1"), "removing 127.0.0.2:57330", List.of("a"));

        JobEngine engine = engine(new ResumingOperation(Optional.of(ManagerException.refused(DISK_FULL))));

        JobStatus failed = engine.await("j1", TIMEOUT);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.info()).isEqualTo(DISK_FULL + "; rolled back");
        assertThat(failed.step())
                .isEqualTo("resumed after a manager restart at step 'removing 127.0.0.2:57330'");
        assertThat(forget.undone()).containsExactly("a");
    }

    @Test
    void aJobResumedAgainNamesTheStepItWasCutOffAtOnce() throws Exception {
        leaveOngoing(deleteShard("j1", "c1"), "removing 127.0.0.2:57330 (resumed after a manager restart)", List.of());

        JobEngine engine = engine(new ResumingOperation(Optional.of(ManagerException.refused(DISK_FULL))));

        assertThat(engine.await("j1", TIMEOUT).step())
                .isEqualTo("resumed after a manager restart at step 'removing 127.0.0.2:57330'");
    }

    @Test
    void aJobCutOffAtItsResumedFirstStepIsResumedAtTheStepBeforeIt() throws Exception {
        leaveOngoing(deleteShard("j1", "c1"),
                "resumed after a manager restart at step 'removing 127.0.0.2:57330'", List.of());

        JobEngine engine = engine(new ResumingOperation(Optional.of(ManagerException.refused(DISK_FULL))));

        assertThat(engine.await("j1", TIMEOUT).step())
                .isEqualTo("resumed after a manager restart at step 'removing 127.0.0.2:57330'");
    }

    @Test
    void aResumableJobStoppedWhileCheckingRunsAgainAsIfForTheFirstTime() throws Exception {
        ResumingOperation resuming = new ResumingOperation(Optional.empty());
        leaveOngoing(deleteShard("j1", "c1"), "checking", List.of());

        JobEngine engine = engine(resuming);

        JobStatus done = engine.await("j1", TIMEOUT);
        assertThat(done.state()).isEqualTo(JobState.DONE);
        assertThat(done.step()).isEqualTo("deleting c1");
        assertThat(resuming.runs()).containsExactly(new Run("j1", false, false));
    }

    @Test
    void aResumedJobRunsBeforeTheJobsAcceptedBehindItOnItsCluster() throws Exception {
        ResumingOperation resuming = new ResumingOperation(Optional.empty());
        leaveOngoing(deleteShard("j1", "c1"), "unlinking shard1", List.of());
        try (MetadataStore previous = openStore()) {
            previous.jobs().insert("j2", JobType.DELETE_SHARD, "alice",
                    deleteShard("j2", "c1").canonicalBody().toString(), "cluster:c1", "queued");
        }

        JobEngine engine = engine(resuming);

        assertThat(engine.await("j2", TIMEOUT).state()).isEqualTo(JobState.DONE);
        assertThat(engine.await("j1", TIMEOUT).state()).isEqualTo(JobState.DONE);
        assertThat(resuming.runs()).containsExactly(new Run("j1", true, true), new Run("j2", false, false));
    }

    @Test
    void acceptedJobsLeftByAStoppedManagerRunAfterRecoveryInTheirOrder() throws Exception {
        try (MetadataStore previous = openStore()) {
            for (String jobId : List.of("j1", "j2")) {
                Submission submission = deleteCluster(jobId, "c1");
                previous.jobs().insert(jobId, JobType.DELETE_CLUSTER, "alice",
                        submission.canonicalBody().toString(), "cluster:c1", "queued");
            }
        }

        JobEngine engine = engine(blocking);

        assertThat(blocking.nextStarted()).isEqualTo("j1");
        blocking.release("j1");
        assertThat(blocking.nextStarted()).isEqualTo("j2");
        blocking.release("j2");
        assertThat(engine.await("j1", TIMEOUT).info()).isEqualTo("deleted c1");
        assertThat(engine.await("j2", TIMEOUT).info()).isEqualTo("deleted c1");
    }

    @Test
    void aSecondTermCannotBeginWhileTheEngineLeads() {
        JobEngine engine = engine(instant);
        engine.submit(addComps("j1", "c1"));

        assertThatThrownBy(() -> engine.lead(2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the engine leads already, in term 0");
    }

    @Test
    void anEngineThatDoesNotLeadOnlyAcceptsJobs() throws Exception {
        store = openStore();
        opened.add(store);
        JobEngine follower = new JobEngine(store.jobs(), List.of(instant), new UndoActions(List.of(forget)), SETTINGS);
        opened.add(follower);

        follower.submit(addComps("j1", "c1"));
        Thread.sleep(2 * JobEngine.PICK_UP_EVERY.toMillis());

        assertThat(follower.status("j1").orElseThrow().state()).isEqualTo(JobState.ACCEPT);
    }

    @Test
    void theLeaderRunsTheJobsAnotherEngineAcceptedInTheOrderTheyWereAccepted() throws Exception {
        JobEngine leader = engine(blocking);
        JobEngine follower = new JobEngine(store.jobs(), List.of(blocking), new UndoActions(List.of(forget)), SETTINGS);
        opened.add(follower);

        follower.submit(deleteCluster("j1", "c1"));
        follower.submit(deleteCluster("j2", "c1"));

        assertThat(blocking.nextStarted()).isEqualTo("j1");
        blocking.release("j1");
        assertThat(blocking.nextStarted()).isEqualTo("j2");
        blocking.release("j2");
        assertThat(leader.await("j2", TIMEOUT).state()).isEqualTo(JobState.DONE);
    }

    @Test
    void anUnknownJobIdHasNoStatus() {
        JobEngine engine = engine(instant);

        assertThat(engine.status("no-such-job")).isEmpty();
    }

    @Test
    void theStatusOfEveryJobIsKept() throws Exception {
        JobEngine engine = engine(instant);
        int count = 300;
        for (int i = 0; i < count; i++) {
            engine.submit(addComps("j" + i, "c" + (i % 7)));
        }

        for (int i = 0; i < count; i++) {
            JobStatus status = engine.await("j" + i, TIMEOUT);
            assertThat(status.state()).isEqualTo(JobState.DONE);
            assertThat(status.info()).isEqualTo("added comps to c" + (i % 7));
        }
        assertThat(engine.newest(1000)).hasSize(count);
    }

    @Test
    void listenersHearOfEveryJobThatEnded() throws Exception {
        JobEngine engine = engine(instant, new FailingOperation(List.of(), ManagerException.refused(DISK_FULL)));
        List<JobStatus> ended = new CopyOnWriteArrayList<>();
        engine.onJobEnded(ended::add);

        engine.submit(addComps("j1", "c1"));
        engine.submit(backupCluster("j2", "c1"));
        engine.await("j2", TIMEOUT);

        assertThat(ended).extracting(JobStatus::jobId, JobStatus::state).containsExactly(
                tuple("j1", JobState.DONE),
                tuple("j2", JobState.FAILED));
    }

    @Test
    void anAutomaticJobIsOngoingAtItsStepsWithoutQueueingThenDoneWithItsOutcome() throws Exception {
        JobEngine engine = engine(blocking);
        List<JobStatus> ended = new CopyOnWriteArrayList<>();
        engine.onJobEnded(ended::add);
        engine.submit(deleteCluster("j1", "c1"));
        assertThat(blocking.nextStarted()).isEqualTo("j1");

        AutomaticJob restart = engine.startAutomatic(JobType.AUTO_RESTART,
                Map.of("cluster_name", "c1", "ip", "127.0.0.1", "port", 3306), "cluster:c1", 1);
        restart.step("starting 127.0.0.1:3306");

        JobStatus ongoing = engine.status(restart.jobId()).orElseThrow();
        assertThat(ongoing.state()).isEqualTo(JobState.ONGOING);
        assertThat(ongoing.jobType()).isEqualTo(JobType.AUTO_RESTART);
        assertThat(ongoing.step()).isEqualTo("starting 127.0.0.1:3306");
        assertThat(ongoing.progress()).contains("0/1");
        assertThat(ongoing.startedAt()).isPresent();
        restart.succeed("found not running; started again");
        JobStatus done = engine.status(restart.jobId()).orElseThrow();
        assertThat(done.state()).isEqualTo(JobState.DONE);
        assertThat(done.info()).isEqualTo("found not running; started again");
        assertThat(done.progress()).contains("1/1");
        assertThat(ended).extracting(JobStatus::jobId).containsExactly(restart.jobId());
        assertThat(store.jobs().find(restart.jobId()).orElseThrow().requestJson())
                .isEqualTo("{\"cluster_name\":\"c1\",\"ip\":\"127.0.0.1\",\"job_type\":\"auto_restart\",\"port\":3306}");
        blocking.release("j1");
        assertThat(engine.await("j1", TIMEOUT).state()).isEqualTo(JobState.DONE);
    }

    @Test
    void anAutomaticJobLeftOngoingByAStoppedManagerFailsOnRecoveryNamingItsStep() throws Exception {
        String jobId;
        try (MetadataStore previous = openStore()) {
            JobEngine stopped = new JobEngine(previous.jobs(), List.of(), new UndoActions(List.of()), SETTINGS);
            AutomaticJob failover = stopped.startAutomatic(JobType.AUTO_FAILOVER, Map.of("cluster_name", "c1"),
                    "cluster:c1", 4);
            failover.step("promoting 127.0.0.2:3306");
            jobId = failover.jobId();
            stopped.close();
        }

        JobEngine engine = engine(blocking);

        JobStatus failed = engine.status(jobId).orElseThrow();
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.info())
                .isEqualTo("the manager restarted during the action at step 'promoting 127.0.0.2:3306'");
        assertThat(failed.endedAt()).isPresent();
    }

    @Test
    void listingByTypeShowsOnlyJobsOfThoseTypes() throws Exception {
        JobEngine engine = engine(instant);
        engine.submit(addComps("j1", "c1"));
        engine.await("j1", TIMEOUT);
        AutomaticJob rejoin = engine.startAutomatic(JobType.AUTO_REJOIN, Map.of("cluster_name", "c1"), "cluster:c1", 1);

        assertThat(engine.newest(10, List.of(JobType.AUTO_REJOIN, JobType.AUTO_RESTART)))
                .extracting(JobStatus::jobId).containsExactly(rejoin.jobId());
        assertThat(engine.newest(10, List.of(JobType.ADD_COMPS))).extracting(JobStatus::jobId).containsExactly("j1");
        assertThat(engine.newest(10)).hasSize(2);
    }

    @Test
    void pagesFollowTheOrderOfAcceptanceWhateverTheIdsAreAndEndWithTheOldestJob() throws Exception {
        JobEngine engine = engine(instant);
        for (String id : List.of("m", "z", "a", "k", "b")) {
            engine.submit(addComps(id, "c_" + id));
            engine.await(id, TIMEOUT);
        }

        assertThat(engine.newest(2, List.of(), Optional.empty()).orElseThrow())
                .extracting(JobStatus::jobId).containsExactly("b", "k");
        assertThat(engine.newest(2, List.of(), Optional.of("k")).orElseThrow())
                .extracting(JobStatus::jobId).containsExactly("a", "z");
        assertThat(engine.newest(2, List.of(), Optional.of("z")).orElseThrow())
                .extracting(JobStatus::jobId).containsExactly("m");
        assertThat(engine.newest(2, List.of(), Optional.of("m")).orElseThrow()).isEmpty();
    }

    @Test
    void aPageAfterAJobThatDoesNotExistIsNotAnswered() {
        JobEngine engine = engine(instant);

        assertThat(engine.newest(2, List.of(), Optional.of("never"))).isEmpty();
    }

    /** What a manager that died mid-job leaves in the store: the job ongoing at a step, its undo log. */
    private void leaveOngoing(Submission submission, String step, List<String> undoPayloads) {
        String jobId = submission.jobId().orElseThrow();
        try (MetadataStore previous = openStore()) {
            JobTable jobs = previous.jobs();
            jobs.insert(jobId, submission.type(), "alice", submission.canonicalBody().toString(), "cluster:c1",
                    "queued");
            assertThat(jobs.apply(jobId, JobTransition.START, "checking")).isTrue();
            jobs.progress(jobId, step, 1, 3);
            for (String payload : undoPayloads) {
                jobs.appendUndo(jobId, "forget", "\"" + payload + "\"");
            }
        }
    }

    @Test
    void workRunIfIdleDoesNotRunWhileAJobOfItsKeyRuns() throws Exception {
        JobEngine engine = engine(blocking);
        engine.submit(deleteCluster("j1", "c1"));
        assertThat(blocking.nextStarted()).isEqualTo("j1");
        AtomicBoolean ran = new AtomicBoolean();

        assertThat(engine.runIfIdle("cluster:c1", () -> ran.set(true))).isFalse();

        assertThat(ran).isFalse();
        assertThat(engine.runIfIdle("cluster:c2", () -> ran.set(true))).isTrue();
        assertThat(ran).isTrue();
        blocking.release("j1");
        assertThat(engine.await("j1", TIMEOUT).state()).isEqualTo(JobState.DONE);
    }

    @Test
    void aJobSubmittedWhileWorkHoldsItsKeyStartsOnlyOnceTheWorkEnded() throws Exception {
        JobEngine engine = engine(blocking);
        CountDownLatch submitted = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Thread holder = new Thread(() -> engine.runIfIdle("cluster:c1", () -> {
            submitted.countDown();
            try {
                finish.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        holder.start();
        assertThat(submitted.await(10, TimeUnit.SECONDS)).isTrue();

        engine.submit(deleteCluster("j1", "c1"));

        assertThat(blocking.startedWithin(500)).as("the job waits for the work").isNull();
        finish.countDown();
        holder.join(10_000);
        assertThat(blocking.nextStarted()).isEqualTo("j1");
        blocking.release("j1");
        assertThat(engine.await("j1", TIMEOUT).state()).isEqualTo(JobState.DONE);
    }

    private JobEngine engine(Operation<?, ?>... operations) {
        return engine(SETTINGS, operations);
    }

    private JobEngine engine(JobEngine.Settings settings, Operation<?, ?>... operations) {
        store = openStore();
        opened.add(store);
        JobEngine engine = new JobEngine(store.jobs(), List.of(operations),
                new UndoActions(List.of(forget, new ThrowingUndo(), flaky)), settings);
        opened.add(engine);
        engine.recover();
        return engine;
    }

    /** Waits until the job's info contains {@code text}; fails after {@link #TIMEOUT}. */
    private static JobStatus awaitInfo(JobEngine engine, String jobId, String text) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            JobStatus status = engine.status(jobId).orElseThrow();
            if (status.info() != null && status.info().contains(text)) {
                return status;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("job " + jobId + " never had info containing '" + text + "': "
                + engine.status(jobId).orElseThrow());
    }

    /** A write of the job's run: one healing event of cluster {@code cluster}. */
    private void recordEvent(String cluster) {
        store.events().record(new EventTable.Event(Instant.now(), cluster, "127.0.0.2", 57330,
                EventTable.Kind.RESTARTED, "written by the run"));
    }

    private MetadataStore openStore() {
        return MetadataStore.open(MetadataConfig.embedded(), home, new MetaNode("127.0.0.1", 57000));
    }

    private static Submission deleteCluster(String jobId, String cluster) {
        return parse("{\"job_type\":\"delete_cluster\",\"job_id\":\"" + jobId + "\",\"user_name\":\"alice\","
                + "\"cluster_name\":\"" + cluster + "\"}");
    }

    private static Submission backupCluster(String jobId, String cluster) {
        return parse("{\"job_type\":\"backup_cluster\",\"job_id\":\"" + jobId + "\",\"user_name\":\"alice\","
                + "\"backup_cluster_name\":\"" + cluster + "\"}");
    }

    private static Submission deleteShard(String jobId, String cluster) {
        return parse("{\"job_type\":\"delete_shard\",\"job_id\":\"" + jobId + "\",\"user_name\":\"alice\","
                + "\"cluster_name\":\"" + cluster + "\",\"shard_name\":\"shard1\"}");
    }

    private static Submission addComps(String jobId, String cluster) {
        return parse("{\"job_type\":\"add_comps\",\"job_id\":\"" + jobId + "\",\"user_name\":\"alice\","
                + "\"cluster_name\":\"" + cluster + "\",\"comps\":\"1\"}");
    }

    private static Submission parse(String json) {
        return WireFormat.parse(json.getBytes(StandardCharsets.UTF_8));
    }
}
