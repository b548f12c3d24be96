package io.kunlun.core.jobs;

import io.kunlun.core.ManagerException;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An undo action for tests whose machine is unreachable for its first {@code failures} calls,
 * then takes back nothing but remembers what it was asked to.
 */
final class FlakyUndo implements UndoAction<String> {
    static final String NAME = "stop_instance";

    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final List<String> undone = new CopyOnWriteArrayList<>();

    /** Makes the next {@code failures} calls fail. */
    void failNext(int failures) {
        failuresLeft.set(failures);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<String> payloadType() {
        return String.class;
    }

    @Override
    public void undo(String payload) {
        if (failuresLeft.getAndDecrement() > 0) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED,
                    "ssh: connect to host " + payload + " port 22: No route to host");
        }
        undone.add(payload);
    }

    List<String> undone() {
        return List.copyOf(undone);
    }
}
