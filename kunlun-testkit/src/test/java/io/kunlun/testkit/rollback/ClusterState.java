package io.kunlun.testkit.rollback;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.cluster.ClusterFixture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

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
record ClusterState(String getters, Map<String, List<String>> compLinks, Map<String, List<String>> directories,
                    Map<String, List<Integer>> listening, Map<String, List<String>> processes) {

    /**
     * The state now. The manager's own commands are left out of the processes: it runs some
     * (health checks) whenever it likes, and they end with it.
     */
    static ClusterState of(ManagerProcess manager, String cluster, List<LoopbackMachine> machines)
            throws SQLException {
        ApiClient client = manager.client();
        Map<String, List<String>> compLinks = new TreeMap<>();
        for (JsonNode comp : ClusterFixture.entries(query(client, "get_computer", cluster))) {
            compLinks.put(comp.get("name").asText(), foreignServers(comp));
        }
        Map<String, List<String>> directories = new TreeMap<>();
        Map<String, List<Integer>> listening = new TreeMap<>();
        Map<String, List<String>> processes = new TreeMap<>();
        for (LoopbackMachine machine : machines) {
            directories.put(machine.hostaddr(), instanceDirectories(machine));
            listening.put(machine.hostaddr(), listeningPorts(machine.hostaddr()));
            processes.put(machine.hostaddr(), processesUnder(machine.root(), manager.pid()));
        }
        return new ClusterState(getters(client, cluster), compLinks, directories, listening, processes);
    }

    static JsonNode query(ApiClient client, String jobType, String cluster) {
        return client.post("{\"job_type\":\"" + jobType + "\",\"cluster_name\":\"" + cluster + "\"}").json();
    }

    private static String getters(ApiClient client, String cluster) {
        StringBuilder answers = new StringBuilder();
        client.post("{\"job_type\":\"get_cluster\"}").json().forEach(entry -> {
            if (entry.get("name").asText().equals(cluster)) {
                answers.append(entry);
            }
        });
        return answers.append(query(client, "get_storage", cluster)).append(query(client, "get_computer", cluster))
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

    private static List<String> instanceDirectories(LoopbackMachine machine) {
        List<String> found = new ArrayList<>();
        for (Path root : List.of(machine.datadir(), machine.logdir(), machine.walLogDir(), machine.compDatadir())) {
            Path instances = root.resolve("instance_data");
            if (Files.isDirectory(instances)) {
                try (var walk = Files.walk(instances)) {
                    walk.filter(Files::isDirectory).filter(dir -> dir.getFileName().toString().matches("[0-9]+"))
                            .map(Path::toString).sorted().forEach(found::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return found;
    }

    /** The listening sockets of /proc/net/tcp whose local address is the machine's. */
    private static List<Integer> listeningPorts(String hostaddr) {
        String[] octets = hostaddr.split("\\.");
        // The kernel prints the address as one little-endian 32-bit number in hexadecimal.
        String local = String.format("%02X%02X%02X%02X", Integer.parseInt(octets[3]), Integer.parseInt(octets[2]),
                Integer.parseInt(octets[1]), Integer.parseInt(octets[0]));
        TreeSet<Integer> ports = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/tcp"))) {
                String[] columns = line.strip().split("\\s+");
                if (columns.length > 3 && columns[3].equals("0A") && columns[1].startsWith(local + ":")) {
                    ports.add(Integer.parseInt(columns[1].substring(local.length() + 1), 16));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(ports);
    }

    private static boolean startedBy(ProcessHandle process, long ancestor) {
        Optional<ProcessHandle> parent = process.parent();
        while (parent.isPresent()) {
            if (parent.get().pid() == ancestor) {
                return true;
            }
            parent = parent.get().parent();
        }
        return false;
    }

    private static List<String> processesUnder(Path root, long managerPid) {
        String prefix = root + "/";
        return ProcessHandle.allProcesses().filter(ManagedProcesses::isRunning)
                .filter(process -> !startedBy(process, managerPid))
                .filter(process -> process.info().commandLine().orElse("").contains(prefix))
                .map(process -> process.pid() + " " + process.info().commandLine().orElse(""))
                .sorted().toList();
    }
}
