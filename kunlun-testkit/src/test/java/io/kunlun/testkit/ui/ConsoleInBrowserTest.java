package io.kunlun.testkit.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.TestManager;
import io.kunlun.testkit.cluster.ClusterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web console in a real browser (headless Chromium) against a manager with real instances on
 * 127.0.0.183 to 127.0.0.185: what it shows is what the API answers, and its forms send the API's
 * own requests. Screenshots of each view go to target/ui-screenshots/.
 */
class ConsoleInBrowserTest {
    private static final String TOKEN = "console-token-4711";

    @RegisterExtension
    static LoopbackMachines loopback = LoopbackMachines.range("127.0.0.183", "127.0.0.185");

    @RegisterExtension
    static TestManager manager = TestManager.create();

    @RegisterExtension
    static TestManager withToken = TestManager.builder().accessToken(TOKEN).build();

    static List<LoopbackMachine> machines;
    static String cluster;
    static HeadlessChromium browser;

    @BeforeAll
    static void registerMachinesCreateAClusterAndStartTheBrowser() {
        machines = List.of(loopback.take(), loopback.take(), loopback.take());
        ClusterFixture.register(manager, machines);
        cluster = ClusterFixture.createdCluster(manager.client(), "rbr", 1, 2, 1, machines.subList(0, 2));
        browser = HeadlessChromium.start();
    }

    @AfterAll
    static void closeTheBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    private static void open(TestManager target, String route) {
        browser.open(target.uri() + "ui#/" + route);
    }

    private static List<String> clusterNames() {
        return ClusterFixture.entries(ClusterFixture.query(manager, "get_cluster", null)).stream()
                .map(entry -> entry.get("name").asText()).toList();
    }

    private static WebElement field(WebElement form, String name) {
        WebElement field = form.findElement(By.name(name));
        field.clear();
        return field;
    }

    /** Opens the form of a job type, {@code query} after the {@code ?} of the address, if any. */
    private static WebElement openForm(String jobType, String query) {
        open(manager, "actions/" + jobType + (query.isEmpty() ? "" : "?" + query));
        return browser.await(By.cssSelector("form[data-job-type=" + jobType + "]"));
    }

    /** Submits the form, which the manager accepts; answers the id of the job the page then follows. */
    private static String submitted(WebElement form) {
        form.findElement(By.cssSelector("button[type=submit]")).click();
        browser.until(ExpectedConditions.urlMatches("#/jobs/.+"), HeadlessChromium.PAGE_WAIT);
        return browser.driver().getCurrentUrl().replaceFirst(".*#/jobs/", "");
    }

    private static String refusalShown() {
        return browser.await(By.cssSelector(".outcome .refusal")).getText();
    }

    /** Fills create_cluster's form: a no_rep cluster of one shard and one comp on the given machine. */
    private static WebElement createClusterForm(String name, String nodes, String hostaddr) {
        WebElement form = openForm("create_cluster", "");
        field(form, "cluster_name").sendKeys(name);
        new Select(form.findElement(By.name("ha_mode"))).selectByValue("no_rep");
        field(form, "nodes").sendKeys(nodes);
        field(form, "machinelist").sendKeys(hostaddr);
        return form;
    }

    /** The job's row in the jobs view once the job ended, which must be done. */
    private static WebElement awaitJobDone(String jobId) {
        String row = "tr[data-job='" + jobId + "']";
        WebElement ended = browser.await(By.cssSelector(row + "[data-result=done], " + row + "[data-result=failed]"),
                ClusterFixture.CLUSTER_JOB_TIMEOUT);
        assertThat(ended.getAttribute("data-result")).as(ended.getText()).isEqualTo("done");
        return ended;
    }

    @Test
    void theFleetShowsEachMachineWithItsSpaceAndTheInstancesOnIt() {
        open(manager, "fleet");

        WebElement first = browser.await(By.cssSelector("tr[data-machine='127.0.0.183']"));
        List<JsonNode> nodes = ClusterFixture.storageNodes(manager.client(), cluster);
        String primaryPort = ClusterFixture.primary(manager.client(), cluster, "shard1").get("port").asText();
        assertThat(first.getText()).contains(machines.get(0).datadir() + ": ").contains(" GiB of ")
                .contains(cluster + " shard1 primary :" + primaryPort + " (active)");
        assertThat(browser.driver().findElements(By.cssSelector("tr[data-machine]"))).hasSize(3);
        assertThat(nodes).hasSize(2);
        browser.screenshot("fleet");
    }

    @Test
    void aClusterCreatedThroughTheApiIsDrawnWithItsPrimaryMarkedAndItsReplicaPointingAtIt() {
        JsonNode primary = ClusterFixture.primary(manager.client(), cluster, "shard1");
        open(manager, "clusters");

        WebElement drawn = browser.await(By.cssSelector("article[data-cluster='" + cluster + "'] g.node.primary"));

        assertThat(drawn.getAttribute("data-address")).isEqualTo(ClusterFixture.address(primary));
        assertThat(drawn.getAttribute("class")).contains("status-active");
        assertThat(drawn.getText()).contains("★ primary");
        WebElement article = browser.driver().findElement(By.cssSelector("article[data-cluster='" + cluster + "']"));
        assertThat(article.findElement(By.cssSelector(".summary")).getText()).isEqualTo("rbr · 1 shard × 2 nodes · 1 comp");
        assertThat(article.findElements(By.cssSelector("g.node.replica"))).hasSize(1);
        assertThat(article.findElements(By.cssSelector("line.replication"))).hasSize(1);
        assertThat(article.findElements(By.cssSelector("g.node.comp"))).extracting(comp -> comp.getText())
                .singleElement().asString().startsWith("comp1");
        assertThat(article.findElements(By.cssSelector("line.link"))).as("comp1 to shard1").hasSize(1);
        browser.screenshot("clusters");
    }

    @Test
    void aRunningJobIsFollowedStepByStepToDone() {
        ObjectNode request = ClusterFixture.createCluster("rbr", 1, 2, 1, machines.subList(1, 3))
                .put("cluster_name", "followed");
        String jobId = request.get("job_id").asText();
        manager.post(request.toString());

        open(manager, "jobs/" + jobId);
        // One selector, found again at each poll: the row is drawn anew at each step.
        browser.await(By.cssSelector("tr.followed[data-job='" + jobId + "'][data-result=ongoing] td.step:not(:empty)"),
                ClusterFixture.CLUSTER_JOB_TIMEOUT);
        browser.screenshot("jobs-running");
        WebElement done = awaitJobDone(jobId);

        String progress = done.findElement(By.cssSelector(".progress")).getText();
        assertThat(progress).matches("(\\d+)/\\1");
        assertThat(done.findElement(By.cssSelector("progress")).getAttribute("value"))
                .isEqualTo(progress.substring(0, progress.indexOf('/')));
        assertThat(done.getText()).contains("create_cluster").endsWith("followed");
        browser.screenshot("jobs");
    }

    @Test
    void aClusterIsCreatedThroughTheFormAfterItsPlanWasPreviewed() {
        WebElement form = createClusterForm("from_the_console", "1", "127.0.0.185");

        form.findElement(By.name("preview")).click();
        WebElement plan = browser.await(By.cssSelector("[data-plan=new_instances] table"));
        assertThat(form.findElement(By.cssSelector(".plan-info")).getText()).isEqualTo("dry run: create_cluster"
                + " passed its check; nothing was changed and no job was accepted");
        List<WebElement> rows = plan.findElements(By.cssSelector("tbody tr"));
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).getText()).startsWith("storage shard1 primary 127.0.0.185 ");
        assertThat(rows.get(1).getText()).contains("comp1").contains("127.0.0.185");
        assertThat(clusterNames()).as("a preview changes nothing").doesNotContain("from_the_console");
        browser.screenshot("create-cluster-preview");

        awaitJobDone(submitted(form));

        assertThat(clusterNames()).contains("from_the_console");
    }

    @Test
    void aPreviewTheManagerWouldRefuseShowsTheReason() {
        WebElement form = createClusterForm(cluster, "1", "127.0.0.185");

        form.findElement(By.name("preview")).click();

        assertThat(refusalShown()).isEqualTo("Refused: cluster " + cluster + " already exists");
        browser.screenshot("refusal");
    }

    @Test
    void aRequestTheApiRefusesIsShownWithItsReasonUnderTheForm() {
        WebElement form = createClusterForm("two_nodes", "2", "127.0.0.185");

        form.findElement(By.cssSelector("button[type=submit]")).click();

        assertThat(refusalShown()).isEqualTo("Refused: nodes must be 1 for ha_mode no_rep, got 2");
        assertThat(browser.driver().getCurrentUrl()).endsWith("#/actions/create_cluster");
    }

    @Test
    void aDeletionIsSentOnlyOnceTheClustersNameIsTypedOut() {
        WebElement form = openForm("delete_comp", "cluster=" + cluster);
        WebElement submit = form.findElement(By.cssSelector("button[type=submit]"));
        assertThat(form.findElement(By.name("cluster_name")).getAttribute("value")).isEqualTo(cluster);
        form.findElement(By.name("comp_name")).sendKeys("comp1");
        assertThat(submit.isEnabled()).isFalse();

        form.findElement(By.name("confirm")).sendKeys(cluster + "x");
        assertThat(submit.isEnabled()).isFalse();
        form.findElement(By.name("confirm")).sendKeys("\b");
        assertThat(submit.isEnabled()).isTrue();

        form.findElement(By.name("preview")).click();
        assertThat(refusalShown())
                .isEqualTo("Refused: cluster " + cluster + " has only one comp, comp1; delete the cluster instead");
        browser.screenshot("delete-comp");
    }

    @Test
    void anInstanceStoppedThroughTheFormIsDrawnGrey() {
        JsonNode replica = ClusterFixture.shardNodes(manager.client(), cluster, "shard1").get(1);
        WebElement form = openForm("control_instance", "");
        new Select(form.findElement(By.name("control"))).selectByValue("stop");
        form.findElement(By.name("ip")).sendKeys(replica.get("ip").asText());
        form.findElement(By.name("port")).sendKeys(replica.get("port").asText());
        try {
            assertThat(awaitJobDone(submitted(form)).getText()).endsWith("stop instance succeed");

            open(manager, "clusters");
            WebElement stopped = browser.await(By.cssSelector("article[data-cluster='" + cluster + "'] g.node[data-address='"
                    + ClusterFixture.address(replica) + "']"));
            assertThat(stopped.getAttribute("class")).isEqualTo("node replica status-stopped");
            browser.screenshot("clusters-stopped-replica");
        } finally {
            assertThat(ClusterFixture.control(manager, replica, "start").result()).isEqualTo("done");
        }
    }

    @Test
    void aCompTheManagerStartedAgainIsListedAmongTheAutomaticActions() {
        JsonNode comp = ClusterFixture.comps(manager.client(), cluster).get(0);
        LoopbackMachine machine = machines.stream()
                .filter(candidate -> candidate.hostaddr().equals(comp.get("ip").asText())).findFirst().orElseThrow();
        InstanceTraces.compServer(machine, comp.get("port").asInt()).destroyForcibly();

        open(manager, "events");
        WebElement restarted = browser.await(By.cssSelector("table.events tr[data-kind=restarted]"),
                Duration.ofSeconds(90));

        assertThat(restarted.getText()).contains(cluster).contains(ClusterFixture.address(comp)).contains("restarted");
        WebElement job = browser.await(By.cssSelector("table.automatic tr[data-result=done]"), Duration.ofSeconds(30));
        assertThat(job.getText()).contains("auto_restart").contains("starting " + ClusterFixture.address(comp));
        browser.screenshot("events");
    }

    @Test
    void withAnAccessTokenTheConsoleAsksForItAndKeepsItForTheTab() {
        open(withToken, "fleet");
        WebElement dialog = browser.await(By.id("token-dialog"));
        browser.screenshot("token");

        dialog.findElement(By.name("token")).sendKeys("wrong-token\n");
        browser.until(ExpectedConditions.textToBe(By.id("token-message"), "The manager refused this token."),
                HeadlessChromium.PAGE_WAIT);
        dialog.findElement(By.name("token")).sendKeys(TOKEN + "\n");

        assertThat(browser.await(By.cssSelector(".view-fleet p")).getText()).startsWith("No machine is registered");
        assertThat(dialog.isDisplayed()).isFalse();
        browser.driver().navigate().refresh();
        assertThat(browser.await(By.cssSelector(".view-fleet p")).getText()).startsWith("No machine is registered");
        assertThat(browser.driver().findElement(By.id("token-dialog")).isDisplayed()).isFalse();
    }
}
