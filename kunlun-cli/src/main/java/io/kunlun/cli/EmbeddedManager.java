package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.core.Caller;
import io.kunlun.core.ClusterManager;
import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.model.InvalidRequestException;
import io.kunlun.model.job.WireFormat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The manager inside this process, on a home directory: requests go through the same parsing and
 * the same facade as the HTTP server's, and replies are the bytes the server would send.
 */
final class EmbeddedManager implements ManagerConnection {
    private final ClusterManager manager;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread closeOnExit;

    private EmbeddedManager(ClusterManager manager) {
        this.manager = manager;
        // Ctrl-C while waiting: let the running job end and the store close, as serve does.
        this.closeOnExit = new Thread(this::closeManager, "kunlunctl-embedded-close");
        Runtime.getRuntime().addShutdownHook(closeOnExit);
    }

    static EmbeddedManager open(Path home) {
        try {
            return new EmbeddedManager(ClusterManager.open(ManagerConfig.defaults(home)));
        } catch (ManagerException e) {
            throw new CliFailure(e.getMessage());
        } catch (UncheckedIOException e) {
            throw new CliFailure(e.getMessage() + ": " + e.getCause().getMessage());
        }
    }

    @Override
    public ObjectNode send(ObjectNode request) {
        Map<String, Object> reply;
        try {
            reply = manager.handle(WireFormat.parse(request), Caller.IN_PROCESS);
        } catch (InvalidRequestException e) {
            reply = WireFormat.failed(e.getMessage());
        }
        try {
            return (ObjectNode) WireFormat.json().readTree(WireFormat.render(reply));
        } catch (IOException e) {
            throw new IllegalStateException("a rendered reply does not parse back: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(closeOnExit);
        } catch (IllegalStateException shuttingDown) {
            // The hook runs already and closes the manager.
            return;
        }
        closeManager();
    }

    private void closeManager() {
        if (closed.compareAndSet(false, true)) {
            manager.close();
        }
    }
}
