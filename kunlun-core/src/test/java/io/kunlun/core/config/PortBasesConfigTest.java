package io.kunlun.core.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PortBasesConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void withoutBasesStorageNodesStartAt57330AndCompsAt57030() throws Exception {
        ManagerConfig config = JSON.readValue("{}", ManagerConfig.class);

        assertThat(config.enginesOn("10.0.0.3").storagePortBase()).isEqualTo(57330);
        assertThat(config.enginesOn("10.0.0.3").compPortBase()).isEqualTo(57030);
    }

    @Test
    void aMachineEntryHasBasesOfItsOwn() throws Exception {
        ManagerConfig config = JSON.readValue("""
                {"engines":{"storage_port_base":40000,"comp_port_base":41000},
                 "machine_engines":{"10.0.0.9":{"storage_port_base":42000}}}""", ManagerConfig.class);

        assertThat(config.enginesOn("10.0.0.3").storagePortBase()).isEqualTo(40000);
        assertThat(config.enginesOn("10.0.0.3").compPortBase()).isEqualTo(41000);
        assertThat(config.enginesOn("10.0.0.9").storagePortBase()).isEqualTo(42000);
        assertThat(config.enginesOn("10.0.0.9").compPortBase()).isEqualTo(57030);
    }

    @Test
    void refusesABaseOutside1024To65000() {
        assertThatThrownBy(() -> JSON.readValue("{\"engines\":{\"storage_port_base\":1023}}", ManagerConfig.class))
                .isInstanceOf(ValueInstantiationException.class)
                .hasMessageContaining("storage_port_base must be between 1024 and 65000, got 1023");
        assertThatThrownBy(() -> JSON.readValue("{\"engines\":{\"comp_port_base\":65001}}", ManagerConfig.class))
                .isInstanceOf(ValueInstantiationException.class)
                .hasMessageContaining("comp_port_base must be between 1024 and 65000, got 65001");
    }
}
