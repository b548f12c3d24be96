package io.kunlun.testkit.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.testkit.ManagedProcesses;
import io.kunlun.testkit.ManagerProcess;
import io.kunlun.testkit.mariadb.MariaDbTestServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * bench/takeover.sh (issue 13): two managers (separate processes) on one MariaDB metadata store on
 * loopback; each round SIGKILLs the leader and measures until the other shows itself the leader
 * in list_managers (polled every 20 ms), then starts the killed one again on its home, a follower.
 * Prints each round, the median and the maximum. The lease is {@code lease_seconds} (the default,
 * 10, unless given): a takeover takes at most the lease plus one renewal (1 s) after the leader's
 * last renewal.
 */
public final class TakeoverTimes {
    private static final String STORE_ADDRESS = "127.0.0.148";
    private static final long ROUND_LIMIT_NANOS = 60_000_000_000L;

    private TakeoverTimes() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int leaseSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path work = Files.createTempDirectory("kunlun-bench-takeover-");
        double[] seconds = new double[rounds];
        try (ManagedProcesses processes = ManagedProcesses.create();
             MariaDbTestServer mariadb = MariaDbTestServer.start(STORE_ADDRESS)) {
            Path config = Files.writeString(work.resolve("manager.json"), "{\"metadata\":{\"jdbc_url\":\""
                    + mariadb.createDatabase("takeover") + "\",\"user\":\"" + mariadb.user() + "\",\"password\":\""
                    + mariadb.password() + "\",\"lease_seconds\":" + leaseSeconds + "}}");
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
            List<ManagerProcess> managers = new ArrayList<>(List.of(
                    ManagerProcess.start(work.resolve("a"), processes, "--config", config.toString()),
                    ManagerProcess.start(work.resolve("b"), processes, "--config", config.toString())));
            for (int round = 0; round < rounds; round++) {
                ManagerProcess leader = leaderOf(managers);
                ManagerProcess follower = managers.get(managers.get(0) == leader ? 1 : 0);
                // A follower started just now may still be joining: it must be on the list first.
                while (role(follower, follower) == null) {
                    Thread.sleep(20);
                }
                long killed = System.nanoTime();
                leader.kill();
                while (!"leader".equals(role(follower, follower))) {
                    if (System.nanoTime() - killed > ROUND_LIMIT_NANOS) {
                        throw new IllegalStateException("no takeover within 60 s in round " + (round + 1));
                    }
                    Thread.sleep(20);
                }
                seconds[round] = (System.nanoTime() - killed) / 1e9;
                System.out.printf("round %d: the follower led %.2f s after kill -9 of the leader%n", round + 1,
                        seconds[round]);
                leader.restart();
            }
        }
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        System.out.printf("takeover after kill -9 of the leader (lease %d s, %d rounds): median %.2f s, max %.2f s%n",
                leaseSeconds, rounds, sorted[rounds / 2], sorted[rounds - 1]);
    }

    /** The manager whose list_managers shows itself the leader; waits for one. */
    private static ManagerProcess leaderOf(List<ManagerProcess> managers) throws InterruptedException {
        long since = System.nanoTime();
        while (System.nanoTime() - since < ROUND_LIMIT_NANOS) {
            for (ManagerProcess manager : managers) {
                if ("leader".equals(role(manager, manager))) {
                    return manager;
                }
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no manager leads");
    }

    /** The role {@code asked} gives {@code manager} in list_managers, or null when it is not listed. */
    private static String role(ManagerProcess asked, ManagerProcess manager) {
        JsonNode listed = asked.client().post("{\"job_type\":\"list_managers\"}").json().get("managers");
        if (listed == null) {
            return null;
        }
        for (JsonNode entry : listed) {
            if (entry.get("pid").asText().equals(Long.toString(manager.pid()))) {
                return entry.get("role").asText();
            }
        }
        return null;
    }
}
