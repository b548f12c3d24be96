package io.kunlun.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** kunlunctl meta bootstrap, start and migrate hand their arguments to the core and report its refusals. */
class MetaCommandsTest {
    @TempDir
    Path dir;

    @Test
    void bootstrapReportsTheCoresRefusalOfAnEvenGroup() {
        Path configOut = dir.resolve("manager.json");

        CliRun run = CliRun.of("meta", "bootstrap", "--machine", "127.0.0.157", "--machine", "127.0.0.158",
                "--datadir", dir.resolve("meta").toString(), "--config-out", configOut.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("kunlunctl: a metadata group has 1 member or an odd number of at least 3,"
                + " got 2: with an even number, half of the group cannot tell whether it is the part that may go on\n");
        assertThat(configOut).doesNotExist();
    }

    @Test
    void startRefusesAConfigurationThatBootstrapDidNotWrite() throws IOException {
        Path config = Files.writeString(dir.resolve("plain.json"), "{\"workers\": 4}");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));

        CliRun run = CliRun.of("meta", "start", "--config", config.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("kunlunctl: " + config + " has no metadata_group section: it was not written"
                + " by kunlunctl meta bootstrap\n");
    }

    @Test
    void migrateNeedsTheHomeItCopies() {
        CliRun run = CliRun.of("meta", "migrate", "--to", dir.resolve("manager.json").toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("kunlunctl: meta migrate needs --home: the manager home whose embedded store"
                + " is copied\n");
    }
}
