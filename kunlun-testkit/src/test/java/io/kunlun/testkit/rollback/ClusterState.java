package io.kunlun.testkit.rollback;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.InstanceTraces;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.cluster.ClusterFixture;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a rolled-back job must leave as it found it, taken at one moment: what the getters
 * answer about the cluster, each comp's foreign servers with their options and user mappings, and
 * on each machine the instance directories, the TCP ports listened on at its address and the
 * processes working under its root paths (but the manager's own). Two states are equal when nothing of that differs.
 *
 * @param getters     get_cluster's entry, get_storage and get_computer for the cluster
 * @param compLinks   per comp: {@code server options mapping-options}, one line per foreign server
 * @param directories per machine: the instance directories under its four roots
 * @param listening   per machine: the ports something listens on at its address
 * @param processes   per machine: {@code pid command line} of each process naming one of its paths
 */
record ClusterState(String getters, Map<String, List<String>> compLinks, Map<String, List<Path>> directories,
                    Map<String, List<Integer>> listening, Map<String, List<String>> processes) {

    /**
     * The state now. The manager's own commands are left out of the processes: it runs some
     * (health checks) whenever it likes, and they end with it.
     */
    static ClusterState of(ManagerProcess manager, String cluster, List<LoopbackMachine> machines)
            throws SQLException {
        ApiClient client = manager.client();
        Map<String, List<String>> compLinks = new TreeMap<>();
        for (JsonNode comp : ClusterFixture.comps(client, cluster)) {
            compLinks.put(comp.get("name").asText(), foreignServers(comp));
        }
        Map<String, List<Path>> directories = new TreeMap<>();
        Map<String, List<Integer>> listening = new TreeMap<>();
        Map<String, List<String>> processes = new TreeMap<>();
        for (LoopbackMachine machine : machines) {
            directories.put(machine.hostaddr(), InstanceTraces.instanceDirectories(machine));
            listening.put(machine.hostaddr(), InstanceTraces.listeningPorts(machine.hostaddr()));
            processes.put(machine.hostaddr(), InstanceTraces.processesUnder(machine.root(), manager.pid()));
        }
        return new ClusterState(getters(client, cluster), compLinks, directories, listening, processes);
    }

    private static String getters(ApiClient client, String cluster) {
        StringBuilder answers = new StringBuilder();
        client.post("{\"job_type\":\"get_cluster\"}").json().forEach(entry -> {
            if (entry.get("name").asText().equals(cluster)) {
                answers.append(entry);
            }
        });
        return answers.append(ClusterFixture.query(client, "get_storage", cluster))
                .append(ClusterFixture.query(client, "get_computer", cluster))
                .toString();
    }

    private static List<String> foreignServers(JsonNode comp) throws SQLException {
        try (Connection sql = ClusterFixture.postgres(comp); Statement statement = sql.createStatement();
             ResultSet rows = statement.executeQuery("SELECT s.srvname, s.srvoptions::text, m.usename,"
                     + " m.umoptions::text FROM pg_foreign_server s LEFT JOIN pg_user_mappings m ON m.srvid = s.oid"
                     + " ORDER BY s.srvname, m.usename")) {
            List<String> servers = new ArrayList<>();
            while (rows.next()) {
                servers.add(rows.getString(1) + " " + rows.getString(2) + " " + rows.getString(3) + " "
                        + rows.getString(4));
            }
            return servers;
        }
    }
}
