package io.kunlun.model.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.HaMode;
import io.kunlun.model.InvalidRequestException;
import io.kunlun.model.job.JobRequest.CreateCluster;
import io.kunlun.model.job.JobRequest.CreateMachine;
import io.kunlun.model.job.JobRequest.SetVariable;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WireFormatTest {
    private static Submission parse(String json) {
        return WireFormat.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static void refused(String json, String message) {
        assertThatThrownBy(() -> parse(json)).isInstanceOf(InvalidRequestException.class).hasMessage(message);
    }

    @Test
    void aDryRunIsMarkedAndNotPartOfTheStoredRequest() {
        Submission submission = parse("{\"job_type\":\"delete_cluster\",\"cluster_name\":\"c1\",\"dry_run\":\"1\"}");

        assertThat(submission.dryRun()).isTrue();
        assertThat(submission.canonicalBody().has("dry_run")).isFalse();
        assertThat(parse("{\"job_type\":\"delete_cluster\",\"cluster_name\":\"c1\",\"dry_run\":0}").dryRun())
                .isFalse();
        assertThat(parse("{\"job_type\":\"delete_cluster\",\"cluster_name\":\"c1\",\"dry_run\":true}").dryRun())
                .isTrue();
    }

    @Test
    void aDryRunOfAQueryIsRefused() {
        refused("{\"job_type\":\"get_meta\",\"dry_run\":\"1\"}",
                "dry_run is for jobs that change something; get_meta is answered at once and changes nothing");
    }

    @Test
    void anAutomaticJobTypeCannotBeSubmitted() {
        refused("{\"job_type\":\"auto_failover\",\"cluster_name\":\"c1\"}",
                "auto_failover records what the manager does on its own and cannot be submitted; list such jobs"
                        + " with list_jobs and \"automatic\": \"1\"");
    }

    @Test
    void listJobsReadsItsTypeAndAutomaticFilters() {
        assertThat(parse("{\"job_type\":\"list_jobs\",\"filter_job_type\":\"auto_restart\",\"automatic\":\"1\"}")
                .request()).isEqualTo(new JobRequest.ListJobs(20, Optional.of(JobType.AUTO_RESTART), true, Optional.empty()));
        assertThat(parse("{\"job_type\":\"list_jobs\",\"limit\":5}").request())
                .isEqualTo(new JobRequest.ListJobs(5, Optional.empty(), false, Optional.empty()));
        refused("{\"job_type\":\"list_jobs\",\"filter_job_type\":\"reboot\"}", "filter_job_type \"reboot\" is unknown");
        refused("{\"job_type\":\"list_jobs\",\"automatic\":\"yes\"}", "automatic must be \"1\" or \"0\", got \"yes\"");
    }

    @Test
    void listJobsReadsThePageToStartAfter() {
        assertThat(parse("{\"job_type\":\"list_jobs\",\"before\":\" c-41d2 \"}").request())
                .isEqualTo(new JobRequest.ListJobs(20, Optional.empty(), false, Optional.of("c-41d2")));
        refused("{\"job_type\":\"list_jobs\",\"before\":\"x' OR 1=1\"}",
                "before must be the job_id the previous page ended with, got \"x' OR 1=1\"");
        refused("{\"job_type\":\"list_jobs\",\"before\":\"\"}",
                "before must be the job_id the previous page ended with, got \"\"");
    }

    @Test
    void listMachinesAnswersAThousandMachinesAReplyUnlessToldFewer() {
        assertThat(parse("{\"job_type\":\"list_machines\"}").request())
                .isEqualTo(new JobRequest.ListMachines(1000, Optional.empty()));
        assertThat(parse("{\"job_type\":\"list_machines\",\"limit\":\"2\"}").request())
                .isEqualTo(new JobRequest.ListMachines(2, Optional.empty()));
        refused("{\"job_type\":\"list_machines\",\"limit\":\"1001\"}",
                "limit must be an integer from 1 to 1000, got \"1001\"");
        refused("{\"job_type\":\"list_machines\",\"limit\":0}", "limit must be an integer from 1 to 1000, got 0");
    }

    @Test
    void listMachinesReadsThePageToStartAfter() {
        assertThat(parse("{\"job_type\":\"list_machines\",\"after\":\" 127.0.0.8 \"}").request())
                .isEqualTo(new JobRequest.ListMachines(1000, Optional.of("127.0.0.8")));
        refused("{\"job_type\":\"list_machines\",\"after\":\"x' OR 1=1\"}", "after must be the hostaddr the"
                + " previous page ended with (an IPv4 address or a host name), got \"x' OR 1=1\"");
        refused("{\"job_type\":\"list_machines\",\"after\":\"\"}", "after must be the hostaddr the previous page"
                + " ended with (an IPv4 address or a host name), got \"\"");
        refused("{\"job_type\":\"list_machines\",\"after\":[\"127.0.0.8\"]}", "after must be a string, got an array");
    }

    @Test
    void readsTheSpecCreateMachineWithNumbersAsStrings() {
        Submission submission = parse("""
                {"ver":"0.1","job_id":"uuid999","job_type":"create_machine","hostaddr":"127.0.0.1","rack_id":"1",
                 "datadir":"/home/kunlun;/nvme2","logdir":"/home/kunlun;/nvme3","wal_log_dir":"/home/kunlun",
                 "comp_datadir":"/nvme2","total_mem":"1024","total_cpu_cores":"8","user_name":"zhangsan"}""");

        assertThat(submission.jobId()).contains("uuid999");
        assertThat(submission.userName()).isEqualTo("zhangsan");
        CreateMachine request = (CreateMachine) submission.request();
        assertThat(request.machine().datadir()).containsExactly("/home/kunlun", "/nvme2");
        assertThat(request.machine().totalMemMb()).isEqualTo(1024);
    }

    @Test
    void acceptsPlainNumbersToo() {
        CreateCluster request = (CreateCluster) parse("""
                {"job_type":"create_cluster","job_id":"a","ha_mode":"rbr","shards":2,"nodes":3,"comps":1}""").request();

        assertThat(request.shards()).isEqualTo(2);
        assertThat(request.spec().haMode()).isEqualTo(HaMode.RBR);
        assertThat(request.spec().innodbSizeGb()).isEqualTo(1);
    }

    @Test
    void readsTheMachineList() {
        CreateCluster request = (CreateCluster) parse("""
                {"job_type":"create_cluster","ha_mode":"no_rep","shards":"1","nodes":"1","comps":"1",
                 "machinelist":[{"hostaddr":"127.0.0.2"},{"hostaddr":"127.0.0.3"}]}""").request();

        assertThat(request.machineList()).contains(List.of("127.0.0.2", "127.0.0.3"));
    }

    @Test
    void refusesAWordWhereANumberBelongs() {
        refused("{\"job_type\":\"create_cluster\",\"ha_mode\":\"rbr\",\"shards\":\"two\",\"nodes\":\"3\",\"comps\":\"1\"}",
                "shards must be an integer from 1 to 256, got \"two\"");
    }

    @Test
    void refusesNumbersOutOfRange() {
        refused("{\"job_type\":\"create_cluster\",\"ha_mode\":\"rbr\",\"shards\":\"1\",\"nodes\":\"3\",\"comps\":\"1\","
                + "\"innodb_size\":\"17\"}", "innodb_size must be an integer from 1 to 16, got \"17\"");
    }

    @Test
    void refusesFractions() {
        refused("{\"job_type\":\"add_comps\",\"cluster_name\":\"c1\",\"comps\":2.5}",
                "comps must be an integer from 1 to 256, got 2.5");
    }

    @Test
    void refusesNoRepWithSeveralNodes() {
        refused("{\"job_type\":\"create_cluster\",\"ha_mode\":\"no_rep\",\"shards\":\"1\",\"nodes\":\"3\",\"comps\":\"1\"}",
                "nodes must be 1 for ha_mode no_rep, got 3");
    }

    @Test
    void refusesMgrWithTwoNodes() {
        refused("{\"job_type\":\"create_cluster\",\"ha_mode\":\"mgr\",\"shards\":\"1\",\"nodes\":\"2\",\"comps\":\"1\"}",
                "nodes must be from 3 to 16 for ha_mode mgr, got 2");
    }

    @Test
    void refusesAnUnknownHaMode() {
        refused("{\"job_type\":\"create_cluster\",\"ha_mode\":\"paxos\",\"shards\":\"1\",\"nodes\":\"3\",\"comps\":\"1\"}",
                "ha_mode must be one of no_rep, rbr, mgr, got \"paxos\"");
    }

    @Test
    void refusesAShellCommandInAPath() {
        refused("{\"job_type\":\"create_machine\",\"hostaddr\":\"127.0.0.2\",\"datadir\":\"/tmp/x; touch /tmp/pwned\","
                        + "\"logdir\":\"/tmp\",\"wal_log_dir\":\"/tmp\",\"comp_datadir\":\"/tmp\",\"total_mem\":\"1\","
                        + "\"total_cpu_cores\":\"1\"}",
                "datadir must be ';'-separated absolute paths of letters, digits, '.', '_', '+', '-' and '/',"
                        + " got \"touch /tmp/pwned\"");
    }

    @Test
    void refusesParentDirectoryReferences() {
        refused("{\"job_type\":\"create_machine\",\"hostaddr\":\"127.0.0.2\",\"datadir\":\"/tmp/../etc\","
                        + "\"logdir\":\"/tmp\",\"wal_log_dir\":\"/tmp\",\"comp_datadir\":\"/tmp\",\"total_mem\":\"1\","
                        + "\"total_cpu_cores\":\"1\"}",
                "datadir must be ';'-separated absolute paths of letters, digits, '.', '_', '+', '-' and '/',"
                        + " got \"/tmp/../etc\"");
    }

    @Test
    void refusesAnSqlStatementAsVariableName() {
        refused("{\"job_type\":\"get_variable\",\"variable\":\"x; drop database mysql\",\"ip\":\"127.0.0.2\","
                        + "\"port\":\"57330\"}",
                "variable must be a variable name (letters, digits, '_' and '.', starting with a letter or '_'),"
                        + " got \"x; drop database mysql\"");
    }

    @Test
    void refusesAnIllFormedAddress() {
        refused("{\"job_type\":\"delete_machine\",\"hostaddr\":\"300.1.1.1\"}",
                "hostaddr must be an IPv4 address or a host name, got \"300.1.1.1\"");
    }

    @Test
    void refusesAClusterNameThatIsNotAnIdentifier() {
        refused("{\"job_type\":\"delete_cluster\",\"cluster_name\":\"a'b\"}",
                "cluster_name must start with a letter or underscore and hold at most 64 letters, digits or"
                        + " underscores, got \"a'b\"");
    }

    @Test
    void prefersValueIntToValueStr() {
        SetVariable request = (SetVariable) parse("{\"job_type\":\"set_variable\",\"variable\":\"max_connections\","
                + "\"value_int\":\"200\",\"value_str\":\"x\",\"ip\":\"127.0.0.2\",\"port\":\"57330\"}").request();

        assertThat(request.value()).isEqualTo("200");
        assertThat(request.integer()).isTrue();
    }

    @Test
    void refusesAMissingJobType() {
        refused("{\"job_id\":\"a\"}", "job_type is required");
    }

    @Test
    void refusesAnUnknownJobType() {
        refused("{\"job_type\":\"format_disk\"}", "job_type \"format_disk\" is unknown");
    }

    @Test
    void refusesAMissingField() {
        refused("{\"job_type\":\"delete_machine\"}", "hostaddr is required");
    }

    @Test
    void refusesDuplicateKeys() {
        assertThatThrownBy(() -> parse("{\"job_type\":\"get_meta\",\"job_type\":\"get_meta\"}"))
                .hasMessageStartingWith("request body is not valid JSON: Duplicate field 'job_type'");
    }

    @Test
    void refusesInvalidUtf8() {
        assertThatThrownBy(() -> WireFormat.parse(new byte[] {'{', (byte) 0xff, '}'}))
                .hasMessage("request body is not valid UTF-8");
    }

    @Test
    void refusesAnArray() {
        refused("[1]", "request body must be a JSON object, got an array");
    }

    @Test
    void refusesABadJobId() {
        refused("{\"job_type\":\"get_status\",\"job_id\":\"a b\"}",
                "job_id must hold 1 to 64 letters, digits, '.', '_', ':' or '-', got \"a b\"");
    }

    @Test
    void refusesAUserNameThatIsNotALabel() {
        refused("{\"job_type\":\"delete_machine\",\"hostaddr\":\"127.0.0.2\",\"user_name\":\"<b>ops</b>\"}",
                "user_name must hold 1 to 64 letters, digits, '_', '.' or '-', got \"<b>ops</b>\"");
    }

    @Test
    void acceptsAUserNameOfLettersDigitsDotsDashesAndUnderscores() {
        assertThat(parse("{\"job_type\":\"get_cluster\",\"user_name\":\"li.si-2_x\"}").userName())
                .isEqualTo("li.si-2_x");
    }

    @Test
    void ignoresVerAndUnknownFieldsInTheCanonicalBody() {
        Submission first = parse("{\"ver\":\"0.1\",\"job_type\":\"delete_machine\",\"hostaddr\":\"127.0.0.2\"}");
        Submission second = parse("{\"hostaddr\":\"127.0.0.2\",\"job_type\":\"delete_machine\"}");

        assertThat(first.canonicalBody()).isEqualTo(second.canonicalBody());
    }

    @Test
    void keepsOnlyTheFieldsItKnowsInTheCanonicalBody() {
        Submission submission = parse("{\"job_type\":\"add_comps\",\"job_id\":\"j1\",\"user_name\":\"alice\","
                + "\"cluster_name\":\"c1\",\"comps\":1,\"padding\":\"" + "x".repeat(100_000) + "\","
                + "\"machinelist\":[{\"hostaddr\":\"127.0.0.2\",\"note\":{\"any\":[1,2,3]}}]}");

        assertThat(submission.canonicalBody().toString()).isEqualTo("{\"cluster_name\":\"c1\",\"comps\":1,"
                + "\"job_id\":\"j1\",\"job_type\":\"add_comps\",\"machinelist\":[{\"hostaddr\":\"127.0.0.2\"}],"
                + "\"user_name\":\"alice\"}");
    }

    @Test
    void aCanonicalBodyParsesToTheSameRequest() {
        Submission submission = parse("{\"job_type\":\"create_cluster\",\"ha_mode\":\"mgr\",\"nodes\":3,"
                + "\"shards\":2,\"comps\":1,\"extra\":true,\"machinelist\":[{\"hostaddr\":\"127.0.0.2\"}]}");

        Submission stored = WireFormat.parse((ObjectNode) submission.canonicalBody());

        assertThat(stored.request()).isEqualTo(submission.request());
        assertThat(stored.canonicalBody()).isEqualTo(submission.canonicalBody());
    }
}
