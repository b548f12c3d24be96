package io.kunlun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.JobType;
import io.kunlun.model.job.WireFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/**
 * {@code kunlunctl quickstart}: a cluster in one command on this host. Registers loopback
 * machines (those already registered are left as they are), creates the cluster unless one of
 * that name exists, and prints how to connect. Everything goes through the API, as an operator's
 * requests would, so the manager checks and records it all; only the machines' root directories
 * are made here, because create_machine requires them to exist.
 */
@Command(name = "quickstart", description = {"A cluster in one command, on loopback machines of this host.",
        "Registers the machines (with root directories under --dir), creates the cluster and prints how to connect"
                + " to its comp. Running it again changes nothing that is already there."})
final class QuickstartCommand extends ManagerCommand {
    static final List<String> DEFAULT_MACHINES = List.of("127.0.0.2", "127.0.0.3", "127.0.0.4");
    /*
     * Not under the manager's home: the home is private (0700, it holds the metadata and its
     * secrets), and instances run as the instance account, which must reach their directories.
     */
    static final Path DEFAULT_DIR = Path.of("/var/tmp/kunlun-quickstart");
    // What each quickstart machine declares: placement reserves 1 GB and one core per storage node.
    private static final int MACHINE_MEMORY_MB = 16384;
    private static final int MACHINE_CORES = 16;

    @Option(names = "--name", paramLabel = "NAME", description = "The cluster's name (default: quickstart).")
    String name = "quickstart";

    @Option(names = "--ha-mode", paramLabel = "MODE", description = "no_rep, rbr or mgr (default: rbr).")
    String haMode = "rbr";

    @Option(names = "--shards", paramLabel = "N", description = "Storage shards (default: 2).")
    int shards = 2;

    @Option(names = "--nodes", paramLabel = "N", description = "Nodes per shard (default: 3).")
    int nodes = 3;

    @Option(names = "--comps", paramLabel = "N", description = "Compute nodes (default: 1).")
    int comps = 1;

    @Option(names = "--machine", paramLabel = "ADDR",
            description = "A loopback address to register as a machine; repeat for several (default: 127.0.0.2,"
                    + " 127.0.0.3 and 127.0.0.4).")
    List<String> machines;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where the machines' root directories go, one subdirectory per machine (default: "
                    + "/var/tmp/kunlun-quickstart). It must be yours: a directory someone else made is refused.")
    Path dir = DEFAULT_DIR;

    @Override
    protected void checkUsage(Kunlunctl cli) {
        if (!cli.targetsThisHost()) {
            throw new ParameterException(spec.commandLine(), "quickstart registers loopback machines, which are the"
                    + " manager's own host: run it on that host, against --server http://127.0.0.1:<port> or with"
                    + " --home");
        }
        for (String machine : machines()) {
            if (!machine.matches("127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}")) {
                throw new ParameterException(spec.commandLine(), "--machine must be a loopback address"
                        + " (127.x.y.z), got " + machine);
            }
        }
    }

    private List<String> machines() {
        return machines == null || machines.isEmpty() ? DEFAULT_MACHINES : machines;
    }

    @Override
    protected ObjectNode exchange(ManagerConnection manager, JobWaiter waiter) {
        PrintWriter err = spec.commandLine().getErr();
        Path root = dir.toAbsolutePath().normalize();
        Set<String> registered = registeredMachines(manager);
        for (String machine : machines()) {
            if (registered.contains(machine)) {
                err.println("machine " + machine + " is registered already");
                continue;
            }
            MachineRoots roots = rootsOf(root, machine);
            err.println("registering machine " + machine + " with its directories under " + root.resolve(machine));
            Optional<ObjectNode> failure = runJob(manager, waiter, createMachine(machine, roots));
            if (failure.isPresent()) {
                return failure.get();
            }
        }
        if (clusterExists(manager)) {
            err.println("cluster " + name + " exists already");
        } else {
            err.println("creating cluster " + name + ": " + haMode + ", " + shards + " shards of " + nodes
                    + " nodes, " + comps + " comps");
            Optional<ObjectNode> failure = runJob(manager, waiter, createCluster());
            if (failure.isPresent()) {
                return failure.get();
            }
        }
        return howToConnect(manager);
    }

    /** Submits a job and waits for it; the failed status when it did not end done. */
    private static Optional<ObjectNode> runJob(ManagerConnection manager, JobWaiter waiter, ObjectNode request) {
        String id = UUID.randomUUID().toString();
        request.put("job_id", id).put("user_name", "kunlunctl");
        ObjectNode receipt = manager.send(request);
        ObjectNode status = Replies.isPending(receipt) ? waiter.await(id, Optional.empty()) : receipt;
        return Replies.isFailed(status) ? Optional.of(status) : Optional.empty();
    }

    /** Every registered machine's address, page after page (list_machines answers at most 1000 a reply). */
    private static Set<String> registeredMachines(ManagerConnection manager) {
        Set<String> machines = new HashSet<>();
        Optional<String> after = Optional.empty();
        while (true) {
            ObjectNode request = query(JobType.LIST_MACHINES);
            after.ifPresent(host -> request.put("after", host));
            JsonNode reply = manager.send(request);
            StreamSupport.stream(reply.spliterator(), false).filter(JsonNode::isObject)
                    .forEach(machine -> machines.add(machine.path("hostaddr").asText()));
            if (!reply.hasNonNull("next_after")) {
                return machines;
            }
            after = Optional.of(reply.get("next_after").asText());
        }
    }

    private boolean clusterExists(ManagerConnection manager) {
        JsonNode reply = manager.send(query(JobType.GET_CLUSTER));
        return StreamSupport.stream(reply.spliterator(), false)
                .anyMatch(cluster -> cluster.path("name").asText().equals(name));
    }

    private static ObjectNode query(JobType type) {
        return WireFormat.json().createObjectNode().put("job_type", type.wireName());
    }

    /** The machine's four root paths under {@code root}: made here, as create_machine checks that they exist. */
    private static MachineRoots rootsOf(Path root, String machine) {
        requireOwnDirectory(root);
        Path base = root.resolve(machine);
        MachineRoots roots = new MachineRoots(base.resolve("data"), base.resolve("log"), base.resolve("wal"),
                base.resolve("comp"));
        for (Path path : List.of(base, roots.data(), roots.log(), roots.wal(), roots.comp())) {
            requireOwnDirectory(path);
        }
        return roots;
    }

    private record MachineRoots(Path data, Path log, Path wal, Path comp) {
    }

    /**
     * Makes the directory (0755: the instance account walks through it) or accepts it when it is a
     * directory of this account's; anything else, a link especially, could hand the machine's roots
     * to whoever made it.
     */
    private static void requireOwnDirectory(Path path) {
        try {
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(path, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwxr-xr-x")));
            }
            PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            String me = System.getProperty("user.name");
            if (!attributes.isDirectory() || !attributes.owner().getName().equals(me)) {
                throw new CliFailure(path + " is not a directory of " + me + "'s (" + (attributes.isSymbolicLink()
                        ? "a symbolic link" : "owned by " + attributes.owner().getName()) + "): choose another --dir");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + path + ": " + e.getMessage(), e);
        }
    }

    private static ObjectNode createMachine(String machine, MachineRoots roots) {
        return query(JobType.CREATE_MACHINE).put("hostaddr", machine)
                .put("datadir", roots.data().toString()).put("logdir", roots.log().toString())
                .put("wal_log_dir", roots.wal().toString()).put("comp_datadir", roots.comp().toString())
                .put("total_mem", MACHINE_MEMORY_MB).put("total_cpu_cores", MACHINE_CORES);
    }

    private ObjectNode createCluster() {
        ObjectNode request = query(JobType.CREATE_CLUSTER).put("cluster_name", name).put("ha_mode", haMode)
                .put("shards", shards).put("nodes", nodes).put("comps", comps);
        machines().forEach(machine -> request.withArray("machinelist").addObject().put("hostaddr", machine));
        return request;
    }

    /** The cluster's comps, and the client line for the first. */
    private ObjectNode howToConnect(ManagerConnection manager) {
        JsonNode comps = manager.send(query(JobType.GET_COMPUTER).put("cluster_name", name));
        if (Replies.isFailed(comps)) {
            return (ObjectNode) comps;
        }
        JsonNode first = comps.path("computer0");
        return WireFormat.json().createObjectNode()
                .put("result", "done")
                .put("cluster", name)
                .put("machines", String.join(", ", machines()))
                .put("comps", StreamSupport.stream(comps.spliterator(), false)
                        .map(comp -> comp.path("name").asText() + " " + comp.path("ip").asText() + ":"
                                + comp.path("port").asText())
                        .collect(Collectors.joining(", ")))
                .put("connect", "psql \"host=" + first.path("ip").asText() + " port=" + first.path("port").asText()
                        + " dbname=kunlun user=kunlun_admin\"")
                .put("password", "kunlunctl cluster credentials " + name);
    }
}
