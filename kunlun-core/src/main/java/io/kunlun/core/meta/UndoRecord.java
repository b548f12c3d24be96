package io.kunlun.core.meta;

/** One side effect of a job, recorded before it is made: {@code action} names how to undo it. */
public record UndoRecord(String jobId, int seq, String action, String payload) {
}
