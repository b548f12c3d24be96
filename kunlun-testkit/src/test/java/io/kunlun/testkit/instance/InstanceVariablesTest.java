package io.kunlun.testkit.instance;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static io.kunlun.testkit.cluster.ClusterFixture.entries;
import static io.kunlun.testkit.cluster.ClusterFixture.query;
import static io.kunlun.testkit.instance.InstanceRequests.at;
import static io.kunlun.testkit.cluster.ClusterFixture.control;
import static io.kunlun.testkit.instance.InstanceRequests.getVariable;
import static io.kunlun.testkit.instance.InstanceRequests.setVariable;
import static org.assertj.core.api.Assertions.assertThat;

/** get_variable and set_variable through HTTP on the storage node and the comp of a real no_rep cluster. */
class InstanceVariablesTest {
    @RegisterExtension
    static TestManager manager = TestManager.builder()
            .configure(config -> config.withExposeCredentials(true)).build();
    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.80", "127.0.0.81");
    static String cluster;
    static JsonNode storage;
    static JsonNode comp;

    @BeforeAll
    static void createCluster() {
        List<LoopbackMachine> machines = List.of(loopback.take());
        ClusterFixture.register(manager, machines);
        Reply created = ClusterFixture.run(manager, ClusterFixture.createCluster("no_rep", 1, 1, 1, machines));
        assertThat(created.result()).as(created.toString()).isEqualTo("done");
        cluster = created.info();
        storage = entries(query(manager, "get_storage", cluster)).get(0);
        comp = entries(query(manager, "get_computer", cluster)).get(0);
    }

    @AfterAll
    static void deleteCluster() {
        if (cluster == null) {
            return;
        }
        Reply deleted = ClusterFixture.deleteCluster(manager, cluster);
        assertThat(deleted.result()).as(deleted.toString()).isEqualTo("done");
    }

    @Test
    void getVariableReadsAStorageNodesVariablesAsTheServerShowsThem() {
        assertThat(getVariable(manager, storage, "innodb_buffer_pool_size").json().toString())
                .isEqualTo("{\"result\":\"true\",\"value\":\"1073741824\"}");
        assertThat(getVariable(manager, storage, "max_connections").json().get("value").asText()).isEqualTo("100");
    }

    @Test
    void getVariableReadsACompsSettingsAsShowShowsThem() {
        assertThat(getVariable(manager, comp, "shared_buffers").json().toString())
                .isEqualTo("{\"result\":\"true\",\"value\":\"128MB\"}");
        assertThat(getVariable(manager, comp, "max_connections").json().get("value").asText()).isEqualTo("100");
    }

    @Test
    void setVariableOnAStorageNodeTakesEffectAtOnceAndSurvivesARestart() throws Exception {
        Reply set = setVariable(manager, storage, "max_connections", 321);

        assertThat(set.json().toString()).isEqualTo("{\"result\":\"true\"}");
        assertThat(getVariable(manager, storage, "max_connections").json().get("value").asText()).isEqualTo("321");
        try (Connection sql = ClusterFixture.mariadb(storage); Statement statement = sql.createStatement();
             ResultSet rows = statement.executeQuery("SELECT @@GLOBAL.max_connections")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).isEqualTo(321);
        }
        assertThat(control(manager, storage, "restart").info()).isEqualTo("restart instance succeed");
        assertThat(getVariable(manager, storage, "max_connections").json().get("value").asText()).isEqualTo("321");
        assertThat(setVariable(manager, storage, "max_connections", 100).result()).isEqualTo("true");
    }

    @Test
    void setVariableOnACompTakesEffectAtOnceAndSurvivesARestart() throws Exception {
        Reply set = setVariable(manager, comp, "work_mem", "16MB");

        assertThat(set.json().toString()).isEqualTo("{\"result\":\"true\"}");
        try (Connection sql = ClusterFixture.postgres(comp); Statement statement = sql.createStatement();
             ResultSet rows = statement.executeQuery("SHOW work_mem")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("16MB");
        }
        assertThat(control(manager, comp, "restart").info()).isEqualTo("restart instance succeed");
        assertThat(getVariable(manager, comp, "work_mem").json().get("value").asText()).isEqualTo("16MB");
    }

    @Test
    void anIntegerValueIsTakenInTheSettingsOwnUnit() {
        assertThat(setVariable(manager, comp, "maintenance_work_mem", 32768).result()).isEqualTo("true");

        assertThat(getVariable(manager, comp, "maintenance_work_mem").json().get("value").asText()).isEqualTo("32MB");
    }

    @Test
    void aSettingReadOnlyAtServerStartIsNotReportedAsInEffect() {
        Reply set = setVariable(manager, comp, "shared_buffers", "64MB");

        assertThat(set.result()).isEqualTo("false");
        assertThat(set.info()).isEqualTo(address(comp) + ": shared_buffers takes effect after a restart of the"
                + " instance; it is set in postgresql.auto.conf");
        assertThat(getVariable(manager, comp, "shared_buffers").json().get("value").asText()).isEqualTo("128MB");
    }

    @Test
    void anUnknownVariableOfAStorageNodeIsRefusedWithTheServersReason() {
        Reply set = setVariable(manager, storage, "no_such_variable", 1);

        assertThat(set.result()).isEqualTo("false");
        assertThat(set.info()).isEqualTo(address(storage) + ": ERROR 1193 (HY000) at line 1: Unknown system"
                + " variable 'no_such_variable'");
    }

    @Test
    void anUnknownSettingOfACompIsRefusedWithTheServersReason() {
        Reply get = getVariable(manager, comp, "no_such_setting");

        assertThat(get.result()).isEqualTo("false");
        assertThat(get.info()).isEqualTo(address(comp) + ": ERROR:  unrecognized configuration parameter"
                + " \"no_such_setting\"");
    }

    @Test
    void aValueTheServerRejectsIsRefusedWithItsReason() {
        Reply set = setVariable(manager, storage, "max_connections", "many");

        assertThat(set.result()).isEqualTo("false");
        assertThat(set.info()).isEqualTo(address(storage) + ": ERROR 1232 (42000) at line 1: Incorrect argument type"
                + " to variable 'max_connections'");
    }

    @Test
    void aVariableNameThatIsNotAnIdentifierNeverReachesTheServer() {
        Reply set = manager.post(at("set_variable", storage).put("variable", "x; drop database mysql")
                .put("value_int", 1).toString());

        assertThat(set.status()).isEqualTo(400);
        assertThat(set.result()).isEqualTo("failed");
    }

    @Test
    void anInstanceTheManagerDoesNotManageFails() {
        Reply get = manager.post(at("get_variable", "127.0.0.9", "1").put("variable", "max_connections").toString());

        assertThat(get.json().toString())
                .isEqualTo("{\"result\":\"failed\",\"info\":\"no managed instance at 127.0.0.9:1\"}");
    }

    private static String address(JsonNode instance) {
        return instance.get("ip").asText() + ":" + instance.get("port").asText();
    }
}
