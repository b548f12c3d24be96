package io.kunlun.core.hosts;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig.SshConfig;
import io.kunlun.core.config.ManagerConfig.SshTarget;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @Test
    void accessToAnUnregisteredAddressUnusedForTenMinutesIsClosedAndDropped() {
        AtomicLong now = new AtomicLong();
        try (Hosts hosts = new Hosts(SshConfig.defaults(), Set::of, now::get)) {
            HostAccess unused = hosts.get("192.0.2.7");

            now.addAndGet(Hosts.UNUSED_FOR.toNanos());
            hosts.get("192.0.2.8");

            assertThat(hosts.cached()).isEqualTo(1);
            assertThat(hosts.get("192.0.2.7")).isNotSameAs(unused);
            assertThatThrownBy(() -> unused.run(Command.of("true"))).isInstanceOf(ManagerException.class)
                    .hasMessageContaining("ssh access was closed");
        }
    }

    @Test
    void accessToARegisteredMachineIsKeptHoweverLongUnused() {
        AtomicLong now = new AtomicLong();
        try (Hosts hosts = new Hosts(SshConfig.defaults(), () -> Set.of("192.0.2.7"), now::get)) {
            HostAccess registered = hosts.get("192.0.2.7");

            now.addAndGet(Duration.ofDays(1).toNanos());
            hosts.get("192.0.2.8");

            assertThat(hosts.get("192.0.2.7")).isSameAs(registered);
        }
    }

    @Test
    void accessAskedForWithinTenMinutesIsKept() {
        AtomicLong now = new AtomicLong();
        try (Hosts hosts = new Hosts(SshConfig.defaults(), Set::of, now::get)) {
            HostAccess used = hosts.get("192.0.2.7");
            now.addAndGet(Hosts.UNUSED_FOR.toNanos() / 2);
            hosts.get("192.0.2.7");

            now.addAndGet(Hosts.UNUSED_FOR.toNanos() / 2);
            hosts.get("192.0.2.8");

            assertThat(hosts.get("192.0.2.7")).isSameAs(used);
        }
    }
}
