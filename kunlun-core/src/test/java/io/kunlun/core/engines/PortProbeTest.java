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

    @Test
    void atAnAddressOnlyItsOwnListenersAndThoseOnEveryAddressCount() throws IOException {
        LocalHost own = new LocalHost("127.0.0.93");
        try (ServerSocket other = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.94"));
             ServerSocket mine = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.93"));
             ServerSocket everywhere = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
            List<Integer> ports = List.of(other.getLocalPort(), mine.getLocalPort(), everywhere.getLocalPort());

            assertThat(PortProbe.inUseAt(own, "127.0.0.93", ports))
                    .containsExactlyInAnyOrder(mine.getLocalPort(), everywhere.getLocalPort());
        }
    }
}
