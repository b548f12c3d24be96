package io.kunlun.testkit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * get_credentials over HTTP: a manager with an access token answers the cluster's application
 * account to a client that sent it, and that account logs in to the comp and the shard; a manager
 * without one refuses every client. A real no_rep cluster on 127.0.0.117.
 */
class CredentialsOverHttpTest {
    private static final String TOKEN = "credentials-token";

    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.of("127.0.0.117");

    @RegisterExtension
    static TestManager manager = TestManager.builder().accessToken(TOKEN).build();

    @RegisterExtension
    static TestManager anonymous = TestManager.builder().build();

    static String cluster;

    private static ApiClient withToken() {
        return ApiClient.to(manager.uri()).withAccessToken(TOKEN);
    }

    @BeforeAll
    static void createCluster() {
        List<LoopbackMachine> machines = List.of(loopback.take());
        ClusterFixture.register(withToken(), machines);
        cluster = ClusterFixture.createdCluster(withToken(), "no_rep", 1, 1, 1, machines);
    }

    private static String credentialsRequest(String clusterName) {
        return "{\"job_type\":\"get_credentials\",\"cluster_name\":\"" + clusterName + "\"}";
    }

    @Test
    void aClientWithTheTokenGetsTheAccountThatLogsInToTheCompAndTheShard() throws Exception {
        Reply reply = withToken().post(credentialsRequest(cluster));

        assertThat(reply.status()).isEqualTo(200);
        JsonNode credentials = reply.json();
        assertThat(credentials.get("cluster_name").asText()).isEqualTo(cluster);
        assertThat(credentials.get("user").asText()).isEqualTo("kunlun_admin");
        assertThat(credentials.get("database").asText()).isEqualTo("kunlun");
        JsonNode comp = withCredentials(ClusterFixture.comps(withToken(), cluster).get(0), credentials);
        try (Connection connection = ClusterFixture.postgres(comp);
             ResultSet rows = connection.createStatement().executeQuery("select current_user")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("kunlun_admin");
        }
        JsonNode node = withCredentials(ClusterFixture.storageNodes(withToken(), cluster).get(0), credentials);
        try (Connection connection = ClusterFixture.mariadb(node)) {
            assertThat(connection.isValid(5)).isTrue();
        }
    }

    @Test
    void anUnknownClusterIsNamed() {
        assertThat(withToken().post(credentialsRequest("nope")).json().get("info").asText())
                .isEqualTo("no cluster named nope");
    }

    @Test
    void aManagerWithoutAnAccessTokenRefusesEveryClient() {
        Reply refused = anonymous.client().post(credentialsRequest("nope"));

        assertThat(refused.status()).isEqualTo(200);
        assertThat(refused.json().get("result").asText()).isEqualTo("failed");
        assertThat(refused.json().get("info").asText()).isEqualTo("get_credentials answers only a client that sent"
                + " the manager's access token: configure server.access_token (or KUNLUN_ACCESS_TOKEN) and send it,"
                + " or run kunlunctl with --home on the manager's home");
    }

    /** A getter's entry with the account added, as ClusterFixture's connections expect it. */
    private static JsonNode withCredentials(JsonNode instance, JsonNode credentials) {
        return ((ObjectNode) instance.deepCopy()).put("user", credentials.get("user").asText())
                .put("pwd", credentials.get("pwd").asText());
    }
}
