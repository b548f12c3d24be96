package io.kunlun.core.jobs;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An undo action for tests that takes back nothing but remembers what it was asked to, in order. */
final class RecordingUndo implements UndoAction<String> {
    private final String name;
    private final List<String> undone = new CopyOnWriteArrayList<>();

    RecordingUndo(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Class<String> payloadType() {
        return String.class;
    }

    @Override
    public void undo(String payload) {
        undone.add(payload);
    }

    List<String> undone() {
        return List.copyOf(undone);
    }
}
