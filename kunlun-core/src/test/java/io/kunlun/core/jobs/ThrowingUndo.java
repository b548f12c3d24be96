package io.kunlun.core.jobs;

import io.kunlun.core.ManagerException;

/** An undo action for tests that always fails, as a removal on a machine might. */
final class ThrowingUndo implements UndoAction<String> {
    static final String NAME = "remove_dir";

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
        throw new ManagerException(ManagerException.Code.COMMAND_FAILED,
                "rm: cannot remove '" + payload + "': Permission denied");
    }
}
