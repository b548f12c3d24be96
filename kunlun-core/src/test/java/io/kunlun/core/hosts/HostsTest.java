package io.kunlun.core.hosts;

import io.kunlun.core.config.ManagerConfig.SshConfig;
import io.kunlun.core.config.ManagerConfig.SshTarget;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class HostsTest {
    private static final SshConfig NAMES_127_0_0_21 = new SshConfig(null, 0, null, null, false, 0,
            Map.of("127.0.0.21", new SshTarget(2222, null)));

    @Test
    void aLoopbackAddressIsThisMachine() {
        try (Hosts hosts = new Hosts(NAMES_127_0_0_21)) {
            assertThat(hosts.get("127.0.0.22")).isInstanceOf(LocalHost.class);
        }
    }

    @Test
    void aLoopbackAddressNamedInTheSshConfigurationIsReachedOverSsh() {
        try (Hosts hosts = new Hosts(NAMES_127_0_0_21)) {
            assertThat(hosts.get("127.0.0.21")).isInstanceOf(SshHost.class);
        }
    }

    @Test
    void anyOtherAddressIsReachedOverSsh() {
        try (Hosts hosts = new Hosts(SshConfig.defaults())) {
            assertThat(hosts.get("192.0.2.7")).isInstanceOf(SshHost.class);
        }
    }

    @Test
    void eachMachineHasOneAccessThatIsReused() {
        try (Hosts hosts = new Hosts(NAMES_127_0_0_21)) {
            assertThat(hosts.get("127.0.0.21")).isSameAs(hosts.get("127.0.0.21"));
        }
    }
}
