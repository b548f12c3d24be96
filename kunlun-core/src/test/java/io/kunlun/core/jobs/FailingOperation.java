package io.kunlun.core.jobs;

import io.kunlun.model.job.JobRequest;
import io.kunlun.model.job.JobType;

import java.util.List;

/**
 * backup_cluster for tests: records its side effects in the undo log, reaching the last step,
 * then fails with the given exception.
 */
final class FailingOperation extends ClusterOperation {
    /** One side effect: the undo action that takes it back and the payload that action gets. */
    record SideEffect(String undoAction, String payload) {
    }

    private final List<SideEffect> sideEffects;
    private final Throwable failure;

    /** {@code failure} is a RuntimeException or an Error: what an operation can throw. */
    FailingOperation(List<SideEffect> sideEffects, Throwable failure) {
        super(JobType.BACKUP_CLUSTER);
        if (!(failure instanceof RuntimeException || failure instanceof Error)) {
            throw new IllegalArgumentException("an operation cannot throw " + failure);
        }
        this.sideEffects = List.copyOf(sideEffects);
        this.failure = failure;
    }

    @Override
    public String run(JobRequest request, Void plan, JobContext context) {
        for (int i = 0; i < sideEffects.size(); i++) {
            SideEffect effect = sideEffects.get(i);
            context.step("making " + effect.payload(), i, sideEffects.size());
            context.willDo(effect.undoAction(), effect.payload());
        }
        if (failure instanceof Error error) {
            throw error;
        }
        throw (RuntimeException) failure;
    }
}
