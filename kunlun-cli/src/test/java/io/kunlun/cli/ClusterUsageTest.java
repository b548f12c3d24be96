package io.kunlun.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The cluster commands' usage: their options, and the cluster named once. */
class ClusterUsageTest {

    @Test
    void helpOfClusterCreateListsTheFieldsOfCreateCluster() {
        CliRun run = CliRun.of("cluster", "create", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("Usage: kunlunctl cluster create ")
                .contains("--ha-mode=MODE", "--shards=N", "--nodes=N", "--comps=N", "--name=NAME", "--innodb-size=GB",
                        "--max-connections=N", "--max-storage-size=GB", "--cpu-cores=N", "--machine=ADDR",
                        "--job-id=ID", "--no-wait", "--server=URL", "Exit status:");
    }

    @Test
    void helpOfEachClusterCommandNamesItsRequest() {
        assertThat(CliRun.of("cluster", "--help").out()).startsWith("Usage: kunlunctl cluster ")
                .contains("create", "delete", "list", "storage", "comps");
        assertThat(CliRun.of("cluster", "delete", "--help").out()).startsWith("Usage: kunlunctl cluster delete ")
                .contains("delete_cluster: ", "[NAME]", "--name=NAME");
        assertThat(CliRun.of("cluster", "list", "--help").out()).startsWith("Usage: kunlunctl cluster list ")
                .contains("get_cluster: ");
        assertThat(CliRun.of("cluster", "storage", "--help").out()).startsWith("Usage: kunlunctl cluster storage ")
                .contains("get_storage: ", "[NAME]", "--name=NAME", "--expose-credentials");
        assertThat(CliRun.of("cluster", "comps", "--help").out()).startsWith("Usage: kunlunctl cluster comps ")
                .contains("get_computer: ", "[NAME]", "--name=NAME");
    }

    @Test
    void createWithoutTheShapeOfTheClusterIsAUsageError() {
        CliRun run = CliRun.of("cluster", "create", "--ha-mode", "rbr");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("Missing required options: '--shards=N', '--nodes=N', '--comps=N'\n");
    }

    @Test
    void aClusterNamedNeitherWayIsAUsageError() {
        CliRun run = CliRun.of("cluster", "delete", "--server", "http://127.0.0.107:1");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("name the cluster once: as NAME or with --name\n"
                + "Usage: kunlunctl cluster delete ");
    }

    @Test
    void aClusterNamedBothWaysIsAUsageError() {
        CliRun run = CliRun.of("cluster", "storage", "a", "--name", "b", "--server", "http://127.0.0.107:1");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("name the cluster once: as NAME or with --name\n");
    }
}
