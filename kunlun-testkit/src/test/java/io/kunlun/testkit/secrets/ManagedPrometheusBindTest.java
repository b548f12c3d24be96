package io.kunlun.testkit.secrets;

import io.kunlun.core.config.ManagerConfig.PrometheusConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The manager's Prometheus serves its lifecycle API (which can stop it): it listens on loopback only. */
class ManagedPrometheusBindTest {
    @Test
    void anAddressBeyondLoopbackIsRefused() {
        assertThatThrownBy(() -> PrometheusConfig.managed("10.0.0.5", 57010))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("prometheus.bind must be a loopback address (127.x.x.x, ::1 or localhost): the manager's"
                        + " Prometheus serves its lifecycle API, which can stop it, to anyone who reaches it; got"
                        + " 10.0.0.5");
    }

    @Test
    void everyLoopbackFormIsAccepted() {
        assertThat(PrometheusConfig.managed("127.0.0.178", 57010).bind()).isEqualTo("127.0.0.178");
        assertThat(PrometheusConfig.managed("localhost", 57010).bind()).isEqualTo("localhost");
        assertThat(PrometheusConfig.managed("::1", 57010).bind()).isEqualTo("::1");
    }

    @Test
    void anExternalPrometheusMayBeAnywhere() {
        assertThat(PrometheusConfig.external("http://10.0.0.5:9090", java.nio.file.Path.of("/etc/prometheus/kunlun"))
                .isManaged()).isFalse();
    }
}
