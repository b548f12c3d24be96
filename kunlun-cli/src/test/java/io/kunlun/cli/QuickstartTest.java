package io.kunlun.cli;

import io.kunlun.testkit.RootPaths;
import io.kunlun.testkit.TempDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kunlunctl quickstart against a manager inside kunlunctl (--home): a real one-node cluster on the
 * loopback machine 127.0.0.116, made once and found again by a second run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QuickstartTest {
    private static final String MACHINE = "127.0.0.116";

    static Path home;
    static Path dir;

    @BeforeAll
    static void makeHomeAndDir() throws IOException {
        home = TempDirs.create("kunlunctl-quickstart-home-");
        // Short: a MariaDB socket path deep below it must stay within 107 bytes.
        dir = TempDirs.create("qs-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void deleteClusterAndDirs() throws IOException {
        quickstartHome("cluster", "delete", "qs");
        RootPaths.killInstancesUnder(dir);
        TempDirs.delete(dir);
        TempDirs.delete(home);
    }

    /** kunlunctl with --home before any "--", after which arguments are psql's. */
    private static CliRun quickstartHome(String... args) {
        List<String> line = new ArrayList<>(List.of(args));
        int end = line.indexOf("--");
        line.addAll(end < 0 ? line.size() : end, List.of("--home", home.toString()));
        return CliRun.of(line.toArray(String[]::new));
    }

    private static CliRun quickstart() {
        return quickstartHome("quickstart", "--name", "qs", "--ha-mode", "no_rep", "--shards", "1", "--nodes", "1",
                "--comps", "1", "--machine", MACHINE, "--dir", dir.toString());
    }

    @Test
    @Order(1)
    void registersTheMachineCreatesTheClusterAndSaysHowToConnect() {
        CliRun run = quickstart();

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.errWithoutProgress()).isEqualTo("registering machine " + MACHINE
                + " with its directories under " + dir.resolve(MACHINE) + "\n"
                + "creating cluster qs: no_rep, 1 shards of 1 nodes, 1 comps\n");
        assertThat(run.out()).matches("""
                result    done
                cluster   qs
                machines  127\\.0\\.0\\.116
                comps     comp1 127\\.0\\.0\\.116:[0-9]+
                connect   psql "host=127\\.0\\.0\\.116 port=[0-9]+ dbname=kunlun user=kunlun_admin"
                password  kunlunctl cluster credentials qs
                """);
        assertThat(dir.resolve(MACHINE).resolve("data")).isDirectory();
        assertThat(quickstartHome("cluster", "storage", "qs").out()).contains(MACHINE + "  ").contains("active");
    }

    @Test
    @Order(2)
    void aSecondRunFindsEverythingThereAndChangesNothing() {
        CliRun run = quickstart();

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.errWithoutProgress()).isEqualTo("machine " + MACHINE + " is registered already\n"
                + "cluster qs exists already\n");
        assertThat(quickstartHome("cluster", "list").out()).hasLineCount(2);
    }

    @Test
    @Order(3)
    void credentialsShowTheApplicationAccountToTheHomesOwner() {
        CliRun run = quickstartHome("cluster", "credentials", "qs", "-o", "json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.json().get("user").asText()).isEqualTo("kunlun_admin");
        assertThat(run.json().get("pwd").asText()).matches("[A-Za-z0-9]{24}");
        assertThat(run.json().get("database").asText()).isEqualTo("kunlun");
    }

    @Test
    @Order(4)
    void connectRunsPsqlOnTheCompWithThePasswordInItsEnvironment() throws IOException {
        Path result = dir.resolve("psql-result.txt");

        CliRun run = quickstartHome("cluster", "connect", "qs", "--", "-At", "-o", result.toString(),
                "-c", "select current_user || ' ' || current_database()");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.readString(result)).isEqualTo("kunlun_admin kunlun\n");
    }

    @Test
    @Order(5)
    void connectToACompTheClusterLacksExits1() {
        CliRun run = quickstartHome("cluster", "connect", "qs", "--comp", "comp9");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("kunlunctl: cluster qs has no comp comp9\n");
    }

    @Test
    void aDirectoryThatIsALinkIsRefused() throws IOException {
        Path link = dir.resolveSibling(dir.getFileName() + "-link");
        Files.createSymbolicLink(link, dir);
        try {
            CliRun run = quickstartHome("quickstart", "--machine", "127.0.0.117", "--dir", link.toString());

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).isEqualTo("kunlunctl: " + link + " is not a directory of root's (a symbolic link):"
                    + " choose another --dir\n");
        } finally {
            Files.delete(link);
        }
    }

    @Test
    void aRemoteManagerIsAUsageError() {
        CliRun run = CliRun.of("quickstart", "--server", "http://192.0.2.7:57000");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("quickstart registers loopback machines, which are the manager's own host:"
                + " run it on that host, against --server http://127.0.0.1:<port> or with --home\n");
    }
}
