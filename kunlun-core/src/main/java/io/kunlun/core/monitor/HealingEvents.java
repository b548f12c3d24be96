package io.kunlun.core.monitor;

import io.kunlun.core.jobs.AutomaticJob;
import io.kunlun.core.jobs.JobEngine;
import io.kunlun.core.meta.EventTable;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;
import io.kunlun.model.job.JobType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Records what the manager does on its own to an instance: in its log, as a job of an automatic
 * type (list_jobs, get_status: its steps while it runs, its outcome as info) and, once it ended,
 * as an event ({@link EventTable}: the per-instance history list_events shows and the restart
 * limit counts), the event's detail being the job's info.
 */
final class HealingEvents {
    private static final Logger LOG = LoggerFactory.getLogger(HealingEvents.class);

    private final MetadataStore store;
    private final JobEngine jobs;
    private final ClusterLock lock;
    private final Clock clock;

    HealingEvents(MetadataStore store, JobEngine jobs, ClusterLock lock, Clock clock) {
        this.store = store;
        this.jobs = jobs;
        this.lock = lock;
        this.clock = clock;
    }

    Instant now() {
        return clock.instant();
    }

    /**
     * An action of {@code type} on {@code instance} about to start, expecting {@code steps} steps:
     * its job is made at its first step, so an action refused before it changed anything (a
     * failover the replicas do not confirm) leaves no job.
     */
    Action action(JobType type, Instance instance, int steps) {
        return new Action(type, instance, steps);
    }

    /** One automatic action; closing it fails its job if it started and did not end (an unexpected error). */
    final class Action implements AutoCloseable {
        private final JobType type;
        private final Instance instance;
        private final int steps;
        private final Instant at = now();
        private AutomaticJob job;
        private boolean ended;

        private Action(JobType type, Instance instance, int steps) {
            this.type = type;
            this.instance = instance;
            this.steps = steps;
        }

        boolean started() {
            return job != null;
        }

        void step(String description) {
            LOG.info("{}: {}: {}", instance.address(), type.wireName(), description);
            if (job == null) {
                Map<String, Object> subject = new LinkedHashMap<>();
                subject.put("cluster_name", instance.clusterName());
                instance.shardName().ifPresent(shard -> subject.put("shard_name", shard));
                subject.put("ip", instance.hostaddr());
                subject.put("port", instance.port());
                job = jobs.startAutomatic(type, subject, lock.keyOf(instance), steps);
            }
            job.step(description);
        }

        void succeeded(EventTable.Kind kind, String detail) {
            end(true, kind, detail);
        }

        void failed(EventTable.Kind kind, String detail) {
            end(false, kind, detail);
        }

        private void end(boolean succeeded, EventTable.Kind kind, String detail) {
            if (job == null) {
                throw new IllegalStateException("an action ends after its first step");
            }
            ended = true;
            LOG.info("{}: {}: {}", instance.address(), kind.wireName(), detail);
            // The job ends first: whoever sees the event finds its job ended.
            if (succeeded) {
                job.succeed(detail);
            } else {
                job.fail(detail);
            }
            store.events().record(new EventTable.Event(at, instance.clusterName(), instance.hostaddr(),
                    instance.port(), kind, detail));
        }

        @Override
        public void close() {
            if (job != null && !ended) {
                job.fail("ended by an unexpected error; the manager's log has it");
            }
        }
    }
}
