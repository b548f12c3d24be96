package io.kunlun.testkit.ssh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free TCP ports on one loopback address, found by binding port 0. */
final class LoopbackPorts {
    private LoopbackPorts() {
    }

    /** A port free right now; another process may still take it before it is used. */
    static int free(String address) {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(address))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + address, e);
        }
    }
}
