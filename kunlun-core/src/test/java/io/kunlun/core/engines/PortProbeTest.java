package io.kunlun.core.engines;

import io.kunlun.core.hosts.LocalHost;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PortProbeTest {
    private final LocalHost host = new LocalHost("127.0.0.50");

    @Test
    void aListeningPortIsInUseAndFreeOnceClosed() throws IOException {
        int port;
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.50"))) {
            port = listener.getLocalPort();

            assertThat(PortProbe.inUse(host, port)).isTrue();
        }

        assertThat(PortProbe.inUse(host, port)).isFalse();
    }

    @Test
    void aPortCountsAsTakenWhateverAddressListensOnIt() throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.51"))) {
            int port = listener.getLocalPort();

            assertThat(PortProbe.inUse(host, List.of(port - 1, port, port + 1))).contains(port);
        }
    }
}
