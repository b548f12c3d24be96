package io.kunlun.core.monitor;

import io.kunlun.core.jobs.JobEngine;
import io.kunlun.core.ops.instances.ControlInstance;
import io.kunlun.model.Instance;
import io.kunlun.model.job.JobRequest;

/**
 * What the manager does on its own to an instance runs holding the job lock of the instance's
 * cluster, the key control_instance and every cluster job queue on, and only while no job of
 * the cluster is queued or running: the job may be stopping, replacing or deleting the instance.
 */
final class ClusterLock {
    private final JobEngine jobs;
    private final ControlInstance control;

    ClusterLock(JobEngine jobs, ControlInstance control) {
        this.jobs = jobs;
        this.control = control;
    }

    /** Runs {@code work} under the lock; false when a job of the cluster holds it. */
    boolean runIfIdle(Instance instance, Runnable work) {
        JobRequest.ControlInstance start = new JobRequest.ControlInstance(JobRequest.Control.START,
                new JobRequest.InstanceAddress(instance.hostaddr(), instance.port()));
        return jobs.runIfIdle(control.lockKey(start), work);
    }
}
