package io.kunlun.testkit.http;

import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.mariadb.MariaDbTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A metadata store that cannot answer is reported in a short reason: its JDBC URL and what the
 * database said stay in the manager's log.
 */
class MetadataFailureReplyTest {
    private static final String USER = "no_monitor";
    private static final String PASSWORD = "no-monitor-secret";

    private static MariaDbTestServer mariadb;
    private static TestManager manager;
    private static TestManager scraped;
    private static String url;

    @BeforeAll
    static void start() throws Exception {
        mariadb = MariaDbTestServer.start("127.0.0.177");
        url = mariadb.createDatabase("failure_reply");
        try (Connection admin = mariadb.connectAsAdmin(); Statement statement = admin.createStatement()) {
            // All it needs for its tables, nothing to read how the server replicates.
            statement.execute("CREATE USER '" + USER + "'@'127.%' IDENTIFIED BY '" + PASSWORD + "'");
            statement.execute("GRANT ALL PRIVILEGES ON `failure_reply`.* TO '" + USER + "'@'127.%'");
        }
        manager = TestManager.builder()
                .configure(config -> config.withMetadata(new MetadataConfig(url, USER, PASSWORD)))
                .build()
                .start();
        String scrapedUrl = mariadb.createDatabase("failure_metrics");
        scraped = TestManager.builder()
                .configure(config -> config.withMetadata(
                        new MetadataConfig(scrapedUrl, mariadb.user(), mariadb.password())))
                .build()
                .start();
    }

    @AfterAll
    static void stop() {
        if (manager != null) {
            manager.close();
        }
        if (scraped != null) {
            scraped.close();
        }
        if (mariadb != null) {
            mariadb.close();
        }
    }

    @Test
    void getMetaModeAnswersAShortReasonWithAnIncidentAndNoJdbcUrl() {
        Reply reply = manager.post("{\"job_type\":\"get_meta_mode\"}");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.result()).isEqualTo("failed");
        assertThat(reply.info()).matches("the metadata store failed while answering get_meta_mode \\(incident"
                + " [0-9a-f]+; the manager's log has the details\\)");
        assertThat(reply.body()).doesNotContain("jdbc:", "127.0.0.177", "Access denied");
    }

    @Test
    void aScrapeTheStoreCannotAnswerIs500WithoutTheCause() throws Exception {
        try (Connection admin = mariadb.connectAsAdmin(); Statement statement = admin.createStatement()) {
            statement.execute("RENAME TABLE failure_metrics.instance TO failure_metrics.instance_gone");
        }

        Reply reply = ApiClient.to(scraped.uri().resolve("/metrics")).send("GET");

        assertThat(reply.status()).isEqualTo(500);
        assertThat(reply.body()).isEqualTo("metrics could not be collected; the manager's log has the details\n");
    }
}
