package io.kunlun.core.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.ZoneId;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackupConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void withoutTheSectionBackupsGoUnderTheHomeOnTheManagersHost() throws Exception {
        BackupConfig store = JSON.readValue("{\"home\":\"/var/kunlun\"}", ManagerConfig.class).backupStore();

        assertThat(store.hostaddr()).isEqualTo("127.0.0.1");
        assertThat(store.path()).isEqualTo("/var/kunlun/backups");
        assertThat(store.allowRestoreInPlace()).as("restore_cluster switched off").isFalse();
        assertThat(store.zone()).as("backup times in the system zone").isEqualTo(ZoneId.systemDefault());
    }

    @Test
    void readsTheTimeZoneOfBackupTimesAndKeepsItWhenThePathIsFilledIn() throws Exception {
        BackupConfig store = JSON.readValue("""
                {"home":"/var/kunlun","backup":{"time_zone":"Asia/Kolkata"}}""",
                ManagerConfig.class).backupStore();

        assertThat(store.zone()).isEqualTo(ZoneId.of("Asia/Kolkata"));
        assertThat(store.path()).isEqualTo("/var/kunlun/backups");
    }

    @Test
    void aTimeZoneThatIsNoZoneIsRefused() {
        assertThatThrownBy(() -> new BackupConfig(null, null, null, false, "Mars/Olympus"))
                .hasMessage("backup.time_zone must be a zone such as Europe/Berlin, UTC or +02:00, got \"Mars/Olympus\"");
    }

    @Test
    void theDefaultPathFollowsTheHomeTheConfigurationIsGivenLater() {
        ManagerConfig config = ManagerConfig.defaults(Path.of("/var/one")).withHome(Path.of("/var/two"));

        assertThat(config.backupStore().path()).isEqualTo("/var/two/backups");
    }

    @Test
    void readsTheMachineAndThePath() throws Exception {
        BackupConfig store = JSON.readValue("""
                {"home":"/var/kunlun","backup":{"hostaddr":"10.0.0.20","path":"/srv/kunlun-backups"}}""",
                ManagerConfig.class).backupStore();

        assertThat(store.hostaddr()).isEqualTo("10.0.0.20");
        assertThat(store.path()).isEqualTo("/srv/kunlun-backups");
    }

    @Test
    void readsTheSwitchThatAllowsRestoreInPlaceAndKeepsItWhenThePathIsFilledIn() throws Exception {
        BackupConfig store = JSON.readValue("""
                {"home":"/var/kunlun","backup":{"allow_restore_in_place":true}}""",
                ManagerConfig.class).backupStore();

        assertThat(store.allowRestoreInPlace()).isTrue();
        assertThat(store.path()).isEqualTo("/var/kunlun/backups");
    }

    @Test
    void aPathAShellWouldReadIsRefused() {
        assertThatThrownBy(() -> new BackupConfig("127.0.0.1", "/srv/backups; rm -rf /", null, false))
                .hasMessage("backup.path must be an absolute path of letters, digits and ._+-, got"
                        + " \"/srv/backups; rm -rf /\"");
    }

    @Test
    void aHostaddrThatIsNoAddressIsRefused() {
        assertThatThrownBy(() -> new BackupConfig("host name", null, null, false))
                .hasMessage("backup.hostaddr must be a host name or address, got \"host name\"");
    }
}
