package io.kunlun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.model.job.WireFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What kunlunctl does whichever way it reaches the manager: the same commands, replies, output
 * and exit status over HTTP ({@link KunlunctlRemoteTest}) and in-process ({@link KunlunctlEmbeddedTest}).
 */
abstract class KunlunctlContract {
    /** The manager's home: the server's in remote mode, kunlunctl's own in embedded mode. */
    @TempDir
    Path home;

    /** Stands for a machine's disks: every path of a machine is a directory under it. */
    @TempDir
    Path disk;

    /** The options that point kunlunctl at the manager under test. */
    abstract List<String> target();

    Map<String, String> environment() {
        return Map.of("USER", "tester");
    }

    CliRun kunlunctl(String... args) {
        List<String> line = new ArrayList<>(List.of(args));
        line.addAll(target());
        return CliRun.withEnvironment(environment(), line.toArray(String[]::new));
    }

    CliRun createMachine(String hostaddr, String jobId, String... extra) {
        String paths = disk.toString();
        List<String> line = new ArrayList<>(List.of("machine", "create", "--job-id", jobId, "--hostaddr", hostaddr,
                "--rack-id", "1", "--datadir", paths, "--logdir", paths, "--wal-log-dir", paths,
                "--comp-datadir", paths, "--total-mem", "4096", "--total-cpu-cores", "8"));
        line.addAll(List.of(extra));
        return kunlunctl(line.toArray(String[]::new));
    }

    @Test
    void createdMachineEndsDoneWithExitStatus0() {
        CliRun run = createMachine("127.0.0.61", "m1");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("""
                result        done
                info          create machine succeed
                job_id        m1
                job_type      create_machine
                step          done
                progress      2/2
                """);
        assertThat(run.errWithoutProgress()).isEmpty();
    }

    @Test
    void jobListShowsTheJobOfACreatedMachine() {
        createMachine("127.0.0.61", "m1");

        CliRun list = kunlunctl("job", "list", "--output", "json");

        assertThat(list.exitCode()).isZero();
        JsonNode job = list.json().get("jobs").get(0);
        assertThat(job.get("job_id").asText()).isEqualTo("m1");
        assertThat(job.get("job_type").asText()).isEqualTo("create_machine");
        assertThat(job.get("result").asText()).isEqualTo("done");
    }

    @Test
    void jobListAsATableHasOneRowPerJobUnderAHeader() {
        createMachine("127.0.0.61", "m1");
        createMachine("127.0.0.62", "m2");

        CliRun list = kunlunctl("job", "list");

        assertThat(list.exitCode()).isZero();
        List<String> lines = list.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("RESULT  JOB_ID  JOB_TYPE        STEP  PROGRESS  SUBMITTED_AT").endsWith("INFO");
        assertThat(lines.get(1)).startsWith("done    m2      create_machine  done  2/2").endsWith("create machine succeed");
        assertThat(lines.get(2)).startsWith("done    m1      create_machine  done  2/2");
    }

    @Test
    void jobListTakesALimit() {
        createMachine("127.0.0.61", "m1");
        createMachine("127.0.0.62", "m2");

        CliRun list = kunlunctl("job", "list", "--limit", "1", "-o", "json");

        assertThat(list.json().get("jobs")).hasSize(1);
        assertThat(list.json().get("jobs").get(0).get("job_id").asText()).isEqualTo("m2");
    }

    @Test
    void createWithAMissingPathExits1WithTheReasonOnStderr() {
        Path missing = disk.resolve("missing");

        CliRun run = kunlunctl("machine", "create", "--job-id", "m1", "--hostaddr", "127.0.0.61",
                "--datadir", disk + ";" + missing, "--logdir", disk.toString(), "--wal-log-dir", disk.toString(),
                "--comp-datadir", disk.toString(), "--total-mem", "4096", "--total-cpu-cores", "8");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errWithoutProgress()).isEqualTo("kunlunctl: job m1 (create_machine) failed: 127.0.0.61: path "
                + missing + " is not a writable directory\n");
        assertThat(run.out()).startsWith("result        failed\n");
    }

    @Test
    void aRequestTheManagerRefusesExits1WithItsReason() {
        CliRun run = createMachine("not a host!", "m1");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo(
                "kunlunctl: hostaddr must be an IPv4 address or a host name, got \"not a host!\"\n");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void resubmittingAJobAnswersItsStatusAgain() {
        createMachine("127.0.0.61", "m1");

        CliRun again = createMachine("127.0.0.61", "m1");

        assertThat(again.exitCode()).isZero();
        assertThat(again.out()).startsWith("result        done\ninfo          create machine succeed\njob_id        m1\n");
    }

    @Test
    void reusingAJobIdForAnotherRequestIsRefused() {
        createMachine("127.0.0.61", "m1");

        CliRun other = createMachine("127.0.0.62", "m1");

        assertThat(other.exitCode()).isEqualTo(1);
        assertThat(other.err()).isEqualTo("kunlunctl: job_id m1 was already used for another request\n");
        assertThat(other.out()).isEmpty();
    }

    @Test
    void jsonOutputIsTheReplyObject() {
        CliRun run = createMachine("127.0.0.61", "m1", "--output", "json");

        assertThat(run.exitCode()).isZero();
        JsonNode reply = run.json();
        assertThat(reply.get("result").asText()).isEqualTo("done");
        assertThat(reply.get("info").asText()).isEqualTo("create machine succeed");
        assertThat(reply.get("job_id").asText()).isEqualTo("m1");
    }

    @Test
    void aRefusalInJsonIsTheFailedReplyOnStdoutAndTheReasonOnStderr() {
        CliRun run = kunlunctl("job", "status", "nope", "-o", "json");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.json()).isEqualTo(WireFormat.json().createObjectNode()
                .put("result", "failed").put("info", "no job with id nope"));
        assertThat(run.err()).isEqualTo("kunlunctl: no job with id nope\n");
    }

    @Test
    void statusOfAnUnknownJobExits1() {
        CliRun run = kunlunctl("job", "status", "x");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("kunlunctl: no job with id x\n");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void statusOfADoneJobExits0() {
        createMachine("127.0.0.61", "m1");

        CliRun run = kunlunctl("job", "status", "m1");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("result        done\ninfo          create machine succeed\njob_id        m1\n");
    }

    @Test
    void statusOfAFailedJobExits1WithItsReason() {
        kunlunctl("machine", "delete", "--hostaddr", "127.0.0.69", "--job-id", "d1");

        CliRun run = kunlunctl("job", "status", "d1");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("kunlunctl: job d1 (delete_machine) failed: machine 127.0.0.69 is not registered\n");
    }

    @Test
    void waitForAnEndedJobAnswersItsEnd() {
        createMachine("127.0.0.61", "m1");

        CliRun run = kunlunctl("job", "wait", "m1", "--timeout", "10s");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("result        done\n");
    }

    @Test
    void waitForAnUnknownJobExits1() {
        CliRun run = kunlunctl("job", "wait", "x");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("kunlunctl: no job with id x\n");
    }

    @Test
    void metaModeIsNoRepForTheEmbeddedStore() {
        CliRun run = kunlunctl("meta", "mode");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo("mode  no_rep\n");
    }

    @Test
    void metaNodesListsTheManagerItself() {
        CliRun run = kunlunctl("meta", "nodes", "-o", "json");

        assertThat(run.exitCode()).isZero();
        assertThat(run.json().get("meta0").get("ip").asText()).isEqualTo("127.0.0.1");
        assertThat(run.json().get("meta0").get("port").asText()).isEqualTo("57000");
    }

    @Test
    void machineListShowsRegisteredMachines() {
        createMachine("127.0.0.61", "m1");

        CliRun table = kunlunctl("machine", "list");
        CliRun json = kunlunctl("machine", "list", "-o", "json");

        assertThat(table.exitCode()).isZero();
        assertThat(table.out().lines().toList()).hasSize(2);
        assertThat(table.out()).startsWith("HOSTADDR    RACK_ID  DATADIR").contains("\n127.0.0.61  1        " + disk);
        JsonNode machine = json.json().get("machine0");
        assertThat(machine.get("hostaddr").asText()).isEqualTo("127.0.0.61");
        assertThat(machine.get("total_mem").asText()).isEqualTo("4096");
        assertThat(machine.get("paths").get(0).get("path").asText()).isEqualTo(disk.toString());
    }

    @Test
    void machineListWithNoMachinesSaysSo() {
        CliRun run = kunlunctl("machine", "list");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo("(none)\n");
    }

    @Test
    void updateChangesARegisteredMachine() {
        createMachine("127.0.0.61", "m1");

        CliRun run = kunlunctl("machine", "update", "--job-id", "u1", "--hostaddr", "127.0.0.61",
                "--datadir", disk.toString(), "--logdir", disk.toString(), "--wal-log-dir", disk.toString(),
                "--comp-datadir", disk.toString(), "--total-mem", "8192", "--total-cpu-cores", "8");

        assertThat(run.exitCode()).isZero();
        assertThat(kunlunctl("machine", "list", "-o", "json").json().get("machine0").get("total_mem").asText())
                .isEqualTo("8192");
    }

    @Test
    void deleteRemovesAMachine() {
        createMachine("127.0.0.61", "m1");

        CliRun run = kunlunctl("machine", "delete", "--hostaddr", "127.0.0.61");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("result        done\ninfo          delete machine succeed\n");
        assertThat(kunlunctl("machine", "list").out()).isEqualTo("(none)\n");
    }

    @Test
    void theUserIsRecordedFromUserOrTheEnvironment() {
        createMachine("127.0.0.61", "m1");
        createMachine("127.0.0.62", "m2", "--user", "alice");

        assertThat(userOf("m1")).isEqualTo("tester");
        assertThat(userOf("m2")).isEqualTo("alice");
    }

    /** Who a job was recorded for, read from the manager's own store after kunlunctl exited. */
    abstract String userOf(String jobId);
}
