package io.kunlun.testkit.e2e;

import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** The synchronous job types, get_status, and what the server answers besides POST. */
class QueriesOverHttpTest {
    @RegisterExtension
    static TestManager manager = TestManager.create();

    @Test
    void getStatusOfAnUnknownJobIdFails(ApiClient api) {
        assertThat(api.post("{\"job_type\":\"get_status\",\"job_id\":\"uuid999\"}"))
                .isEqualTo(Reply.of(200, "{\"result\":\"failed\",\"info\":\"no job with id uuid999\"}"));
    }

    @Test
    void getMetaModeOfTheEmbeddedStoreIsNoRep(ApiClient api) {
        assertThat(api.post("{\"ver\":\"0.1\",\"job_type\":\"get_meta_mode\"}"))
                .isEqualTo(Reply.of(200, "{\"mode\":\"no_rep\"}"));
    }

    @Test
    void getMetaOfTheEmbeddedStoreIsTheManagerItself(ApiClient api) {
        assertThat(api.post("{\"job_type\":\"get_meta\"}")).isEqualTo(Reply.of(200,
                "{\"meta0\":{\"ip\":\"127.0.0.1\",\"port\":\"" + manager.port() + "\",\"status\":\"online\"}}"));
    }

    @Test
    void aJobItsConfigurationSwitchesOffIsAcceptedThenFailsNamingTheSetting(ApiClient api) {
        Reply accepted = api.post("{\"job_type\":\"restore_cluster\",\"job_id\":\"restore-1\","
                + "\"timestamp\":\"2021-12-20 19:22:20\",\"backup_cluster_name\":\"cluster_1\",\"restore_cluster_name\":\"cluster_2\",\"user_name\":\"zhangsan\"}");
        assertThat(accepted.status()).isEqualTo(200);
        assertThat(accepted.result()).isEqualTo("accept");

        Reply ended = api.awaitJob("restore-1", ApiClient.DEFAULT_JOB_TIMEOUT);

        assertThat(ended.result()).isEqualTo("failed");
        assertThat(ended.info()).isEqualTo("restore_cluster is switched off: it replaces an existing cluster's data,"
                + " so the manager's configuration must set backup.allow_restore_in_place to true to allow it;"
                + " restore_new_cluster restores into a new cluster without it");
    }

    @Test
    void repliesAreJsonInUtf8(ApiClient api) {
        assertThat(api.post("{\"job_type\":\"get_meta_mode\"}").contentType())
                .isEqualTo("application/json; charset=utf-8");
    }

    @Test
    void getIsRefusedWith405AndAJsonFailure(ApiClient api) {
        Reply refused = api.send("GET");

        assertThat(refused).isEqualTo(Reply.of(405, "{\"result\":\"failed\",\"info\":\"send requests with POST /\"}"));
        assertThat(refused.contentType()).isEqualTo("application/json; charset=utf-8");
    }
}
