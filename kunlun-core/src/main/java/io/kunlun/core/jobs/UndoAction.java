package io.kunlun.core.jobs;

/**
 * How to take back one kind of side effect (stop an instance, remove a directory, delete rows).
 * Undo must be idempotent and accept that the side effect may never have happened.
 *
 * @param <T> the payload recorded with the side effect, stored as JSON
 */
public interface UndoAction<T> {
    String name();

    Class<T> payloadType();

    void undo(T payload);
}
