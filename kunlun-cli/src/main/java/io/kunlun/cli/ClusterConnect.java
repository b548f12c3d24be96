package io.kunlun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobType;
import io.kunlun.model.job.WireFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.StreamSupport;

/**
 * {@code kunlunctl cluster connect NAME}: psql on one of the cluster's comps, logged in as its
 * application account. The password comes from get_credentials, so the same rule decides who
 * gets it, and reaches psql through its environment: a command line is visible to every user.
 */
@Command(name = "connect", description = {"Open psql on a comp of the cluster as its application account.",
        "The password (from get_credentials: with --home, or sending the manager's access token) reaches psql in"
                + " PGPASSWORD, never on its command line. Arguments after -- go to psql, e.g. -- -c 'select 1'."})
final class ClusterConnect implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterCommands.ClusterName cluster;

    @Option(names = "--comp", paramLabel = "NAME", description = "The comp, e.g. comp2 (default: the first active one).")
    String comp;

    @Unmatched
    List<String> psqlArguments = new ArrayList<>();

    @Override
    public Integer call() throws IOException, InterruptedException {
        Kunlunctl cli = Kunlunctl.of(spec);
        String name = cluster.get();
        JsonNode target;
        JsonNode credentials;
        try (ManagerConnection manager = cli.connect(spec.commandLine())) {
            JsonNode comps = manager.send(query(JobType.GET_COMPUTER, name));
            credentials = manager.send(query(JobType.GET_CREDENTIALS, name));
            if (Replies.isFailed(comps) || Replies.isFailed(credentials)) {
                throw new CliFailure(Replies.failure(Replies.isFailed(comps) ? comps : credentials));
            }
            target = StreamSupport.stream(comps.spliterator(), false)
                    .filter(entry -> comp != null ? entry.path("name").asText().equals(comp)
                            : entry.path("status").asText().equals("active"))
                    .findFirst()
                    .orElseThrow(() -> new CliFailure(comp != null ? "cluster " + name + " has no comp " + comp
                            : "cluster " + name + " has no active comp"));
        }
        List<String> command = new ArrayList<>(List.of("psql", "host=" + target.path("ip").asText()
                + " port=" + target.path("port").asText() + " dbname=" + credentials.path("database").asText()
                + " user=" + credentials.path("user").asText()));
        command.addAll(psqlArguments);
        ProcessBuilder psql = new ProcessBuilder(command).inheritIO();
        psql.environment().put("PGPASSWORD", credentials.path("pwd").asText());
        try {
            return psql.start().waitFor();
        } catch (IOException e) {
            throw new CliFailure("cannot run psql (the PostgreSQL client; install it, e.g. postgresql-client): "
                    + e.getMessage());
        }
    }

    private static ObjectNode query(JobType type, String cluster) {
        return WireFormat.json().createObjectNode().put("job_type", type.wireName()).put("cluster_name", cluster);
    }
}
