package io.kunlun.testkit;

import io.kunlun.core.engines.EngineConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestPortsTest {
    /** Prints the port bases of a fresh JVM. */
    public static final class PrintBases {
        public static void main(String[] args) {
            System.out.print(TestPorts.engineFields());
        }
    }

    @Test
    void anotherJvmRunningMeanwhilePlansFromOtherBases() {
        String own = TestPorts.engineFields().toString();

        String other = Programs.run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), PrintBases.class.getName()));

        assertThat(other).isNotEqualTo(own);
    }

    @Test
    void theBasesLieInOneBlockBelowTheKernelsEphemeralPorts() {
        int first = TestPorts.storagePortBase();

        assertThat((first - 20000) % 500).isZero();
        assertThat(first).isBetween(20000, 32768 - 500);
        assertThat(TestPorts.engineFields()).isEqualTo(Map.of("storage_port_base", first, "comp_port_base", first + 200,
                "mysqld_exporter_port_base", first + 300, "postgres_exporter_port_base", first + 400));
    }

    @Test
    void aTestManagerWhoseEnginesPlanFromTheDefaultBasesIsRefused() {
        TestManager manager = TestManager.builder()
                .configure(config -> config.withMachineEngines(Map.of("127.0.0.1", EngineConfig.defaults()))).build();

        assertThatThrownBy(manager::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("the test manager's machine_engines 127.0.0.1 plan ports from the default bases, which every"
                        + " manager on this host shares: build engine settings from TestPorts.engines() or the"
                        + " configuration's engines(), not EngineConfig.defaults()");
    }
}
