package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A manager to send API requests to: over HTTP ({@link RemoteManager}) or inside this process
 * ({@link EmbeddedManager}). Both take the request object with the API's field names and answer the
 * reply object the API defines, so every command has one code path for both.
 */
interface ManagerConnection extends AutoCloseable {
    /** Sends one request and answers the reply; a reply of result failed is a reply, not an error. */
    ObjectNode send(ObjectNode request);

    /** Closing waits for jobs that run in this process. */
    @Override
    void close();
}
