package io.kunlun.core.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.kunlun.core.ManagerException;
import io.kunlun.model.job.WireFormat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The registry of undo actions by name, and the JSON form of their payloads. */
public final class UndoActions {
    private final Map<String, UndoAction<?>> byName = new HashMap<>();

    public UndoActions(List<UndoAction<?>> actions) {
        actions.forEach(action -> byName.put(action.name(), action));
    }

    String encode(String action, Object payload) {
        if (!byName.containsKey(action)) {
            throw new ManagerException(ManagerException.Code.INTERNAL, "no undo action named " + action);
        }
        try {
            return WireFormat.json().writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new ManagerException(ManagerException.Code.INTERNAL, "cannot record undo of " + action + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    void undo(String action, String payloadJson) {
        UndoAction<?> handler = byName.get(action);
        if (handler == null) {
            throw new ManagerException(ManagerException.Code.INTERNAL, "no undo action named " + action);
        }
        run(handler, payloadJson);
    }

    private static <T> void run(UndoAction<T> handler, String payloadJson) {
        T payload;
        try {
            payload = WireFormat.json().readValue(payloadJson, handler.payloadType());
        } catch (JsonProcessingException e) {
            throw new ManagerException(ManagerException.Code.INTERNAL, "undo record of " + handler.name()
                    + " cannot be read: " + e.getOriginalMessage(), e);
        }
        handler.undo(payload);
    }
}
