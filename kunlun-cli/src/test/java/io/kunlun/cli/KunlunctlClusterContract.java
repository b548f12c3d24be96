package io.kunlun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.LoopbackMachine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What kunlunctl cluster does whichever way it reaches the manager ({@link KunlunctlClusterRemoteTest},
 * {@link KunlunctlClusterEmbeddedTest}): real MariaDB and PostgreSQL instances on one loopback
 * machine per class. The machine's paths go with the class, and with them every instance still
 * running under them, whatever the tests left behind.
 */
abstract class KunlunctlClusterContract {
    /** The options that point kunlunctl at the manager under test. */
    abstract List<String> target();

    /** The registered machine the clusters go to. */
    abstract LoopbackMachine machine();

    CliRun kunlunctl(String... args) {
        return run(target(), args);
    }

    static CliRun run(List<String> target, String... args) {
        List<String> line = new ArrayList<>(List.of(args));
        line.addAll(target);
        return CliRun.of(line.toArray(String[]::new));
    }

    /** Registers the machine with room for a few instances. */
    static void register(LoopbackMachine machine, List<String> target) {
        CliRun registered = run(target, "machine", "create", "--hostaddr", machine.hostaddr(),
                "--datadir", machine.datadir().toString(), "--logdir", machine.logdir().toString(),
                "--wal-log-dir", machine.walLogDir().toString(), "--comp-datadir", machine.compDatadir().toString(),
                "--total-mem", "65536", "--total-cpu-cores", "32");
        assertThat(registered.exitCode()).as(registered.err()).isZero();
    }

    @Test
    void aNoRepClusterIsCreatedListedShownAndDeleted() {
        CliRun created = kunlunctl("cluster", "create", "--name", "cli_demo", "--ha-mode", "no_rep",
                "--shards", "1", "--nodes", "1", "--comps", "1", "--max-connections", "100", "--cpu-cores", "1",
                "--machine", machine().hostaddr(), "--job-id", "c1");

        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(created.out()).startsWith("result        done\ninfo          cli_demo\njob_id        c1\n"
                + "job_type      create_cluster\n");

        CliRun list = kunlunctl("cluster", "list");

        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).isEqualTo("""
                NAME      SHARDS  COMPS  HA_MODE  NODES
                cli_demo  1       1      no_rep   1
                """);

        CliRun storage = kunlunctl("cluster", "storage", "cli_demo", "-o", "json");

        assertThat(storage.exitCode()).isZero();
        JsonNode node = storage.json().get("storage0");
        assertThat(node.get("ip").asText()).isEqualTo(machine().hostaddr());
        assertThat(node.get("shard").asText()).isEqualTo("shard1");
        assertThat(node.get("role").asText()).isEqualTo("primary");
        assertThat(node.get("status").asText()).isEqualTo("active");
        assertThat(node.has("pwd")).as("credentials without --expose-credentials").isFalse();
        assertThat(kunlunctl("cluster", "storage", "--name", "cli_demo").out())
                .startsWith("IP           PORT   SHARD   ROLE     STATUS\n" + machine().hostaddr() + "  "
                        + node.get("port").asText() + "  shard1  primary  active\n");

        CliRun comps = kunlunctl("cluster", "comps", "cli_demo", "-o", "json");

        assertThat(comps.exitCode()).isZero();
        assertThat(comps.json().get("computer0").get("name").asText()).isEqualTo("comp1");
        assertThat(comps.json().get("computer0").get("status").asText()).isEqualTo("active");

        CliRun deleted = kunlunctl("cluster", "delete", "cli_demo", "--job-id", "d1");

        assertThat(deleted.exitCode()).as(deleted.err()).isZero();
        assertThat(deleted.out()).startsWith("result        done\ninfo          cli_demo\njob_id        d1\n"
                + "job_type      delete_cluster\n");
        assertThat(kunlunctl("cluster", "list").out()).isEqualTo("(none)\n");
    }

    @Test
    void aClusterTheManagerRefusesExits1WithItsReason() {
        CliRun run = kunlunctl("cluster", "create", "--ha-mode", "mgr", "--shards", "1", "--nodes", "2",
                "--comps", "1");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("kunlunctl: nodes must be from 3 to 16 for ha_mode mgr, got 2\n");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void aClusterWithMoreNodesThanMachinesFailsSayingSo() {
        CliRun run = kunlunctl("cluster", "create", "--ha-mode", "rbr", "--shards", "1", "--nodes", "2",
                "--comps", "1", "--machine", machine().hostaddr(), "--job-id", "r1");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errWithoutProgress())
                .isEqualTo("kunlunctl: job r1 (create_cluster) failed: shard needs 2 machines, machinelist has 1\n");
    }

    @Test
    void theStorageOfAnUnknownClusterExits1() {
        CliRun run = kunlunctl("cluster", "storage", "nope");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("kunlunctl: no cluster named nope\n");
    }
}
