package io.kunlun.testkit.bench;

import io.kunlun.core.Caller;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.config.ManagerConfig.MetadataConfig;
import io.kunlun.testkit.ApiClient;
import io.kunlun.testkit.LoopbackMachine;
import io.kunlun.testkit.LoopbackMachines;
import io.kunlun.testkit.Reply;
import io.kunlun.testkit.TempDirs;
import io.kunlun.testkit.TestManager;
import io.kunlun.model.job.WireFormat;
import io.kunlun.testkit.mariadb.MariaDbTestServer;
import io.undertow.Undertow;
import io.undertow.util.Headers;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

/**
 * The body of {@code bench/api.sh} (issue 12); not a test. Two modes:
 *
 * <p>{@code getters}: a manager on a fresh home with a small real state built through the API
 * (3 loopback machines, an rbr cluster of 2 shards x 3 nodes with 2 comps, 1 000 ended jobs) and
 * a bare Undertow handler started here (reads the body, answers a fixed JSON object), both driven
 * by {@code wrk} (2 threads, 64 connections) with the same Lua script shape. Prints each getter's
 * requests/s as a share of bare's and its p99 against bare's p99.
 *
 * <p>{@code acceptance}: how fast jobs are accepted. First 16 machines each get a queue of
 * update_machine jobs, so that the 16 workers are busy, while 4 clients submit jobs one after
 * another (accept latency p50/p99); then 1 000 create_machine on 1 000 loopback addresses from 32
 * clients at once (accept latency, time until all are accepted, time until all are done).
 *
 * <p>Usage: {@code ApiBench getters|acceptance h2|mariadb|both [seconds]}.
 */
public final class ApiBench {
    /** This bench's addresses: 3 machines; the MariaDB store listens on the last one. */
    private static final String[] MACHINES = {"127.0.0.63", "127.0.0.64", "127.0.0.65"};
    private static final String STORE_ADDRESS = "127.0.0.65";
    /** Acceptance mode's many machines: 127.63.x.y, which no test uses. */
    private static final String MANY_PREFIX = "127.63.";
    private static final int ENDED_JOBS = 1000;
    private static final int WRK_THREADS = 2;
    private static final int WRK_CONNECTIONS = 64;
    private static final int CPU_CALLS = 2000;
    private static final String FIXED_REPLY = "{\"result\":\"done\",\"info\":\"\"}";

    private ApiBench() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "getters";
        String stores = args.length > 1 ? args[1] : "h2";
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        Path work = TempDirs.create("kunlun-api-bench-");
        List<String> storeNames = stores.equals("both") ? List.of("h2", "mariadb") : List.of(stores);
        try {
            for (String store : storeNames) {
                if (store.equals("h2")) {
                    run(mode, "h2", MetadataConfig.embedded(), seconds, work);
                } else if (store.equals("mariadb")) {
                    try (MariaDbTestServer server = MariaDbTestServer.start(STORE_ADDRESS)) {
                        run(mode, "mariadb", new MetadataConfig(server.jdbcUrl(), server.user(), server.password()),
                                seconds, work);
                    }
                } else {
                    throw new IllegalArgumentException("store is h2, mariadb or both, not " + store);
                }
            }
        } finally {
            TempDirs.delete(work);
        }
        System.exit(0);
    }

    private static void run(String mode, String store, MetadataConfig metadata, int seconds, Path work)
            throws Exception {
        UnaryOperator<ManagerConfig> config = c -> c.withMetadata(metadata).withExposeCredentials(true);
        if (mode.equals("getters")) {
            getters(store, config, seconds, work);
        } else if (mode.equals("acceptance")) {
            acceptance(store, config);
        } else {
            throw new IllegalArgumentException("mode is getters or acceptance, not " + mode);
        }
    }

    // ---------------------------------------------------------------- getters

    private static void getters(String store, UnaryOperator<ManagerConfig> config, int seconds, Path work)
            throws Exception {
        try (LoopbackMachines machines = LoopbackMachines.of(MACHINES);
             TestManager manager = TestManager.builder().configure(config).build().start()) {
            long building = System.nanoTime();
            List<LoopbackMachine> taken = new ArrayList<>();
            for (int i = 0; i < MACHINES.length; i++) {
                LoopbackMachine machine = machines.take();
                taken.add(machine);
                require(manager.submitAndAwait(machine.request("create_machine", "m" + i)
                        .put("total_mem", "65536").put("total_cpu_cores", "32").toString()), "create_machine");
            }
            String cluster = require(manager.client().submitAndAwait("{\"job_type\":\"create_cluster\","
                    + "\"job_id\":\"c1\",\"ha_mode\":\"rbr\",\"shards\":\"2\",\"nodes\":\"3\",\"comps\":\"2\","
                    + "\"max_connections\":\"100\",\"innodb_size\":\"1\",\"machinelist\":["
                    + String.join(",", taken.stream().map(m -> "{\"hostaddr\":\"" + m.hostaddr() + "\"}").toList())
                    + "]}", Duration.ofMinutes(10)), "create_cluster").info();
            long built = System.nanoTime();
            String lastJob = endedJobs(manager);
            System.out.printf("%s: state built: 3 machines and cluster %s (rbr 2x3 + 2 comps) in %.0f s, %d ended"
                    + " jobs in %.0f s%n", store, cluster, (built - building) / 1e9, ENDED_JOBS,
                    (System.nanoTime() - built) / 1e9);

            Map<String, String> requests = new LinkedHashMap<>();
            requests.put("get_status", "{\"job_type\":\"get_status\",\"job_id\":\"" + lastJob + "\"}");
            requests.put("get_cluster", "{\"job_type\":\"get_cluster\"}");
            requests.put("get_storage", "{\"job_type\":\"get_storage\",\"cluster_name\":\"" + cluster + "\"}");
            requests.put("get_computer", "{\"job_type\":\"get_computer\",\"cluster_name\":\"" + cluster + "\"}");
            requests.put("get_meta", "{\"job_type\":\"get_meta\"}");
            requests.put("get_meta_mode", "{\"job_type\":\"get_meta_mode\"}");
            requests.put("list_jobs", "{\"job_type\":\"list_jobs\"}");
            requests.put("list_machines", "{\"job_type\":\"list_machines\"}");
            for (Map.Entry<String, String> request : requests.entrySet()) {
                Reply reply = manager.post(request.getValue());
                // get_status answers the job's own result, failed here
                if (reply.status() != 200 || "failed".equals(reply.json().path("result").asText())
                        && !reply.json().has("job_id")) {
                    throw new IllegalStateException(request.getKey() + " is refused: " + reply);
                }
                System.out.printf("%s reply: %d bytes%n", request.getKey(), reply.body().length());
            }

            Map<String, Double> cpu = cpuPerRequest(manager, requests);
            Undertow bare = bareUndertow();
            try {
                int barePort = ((InetSocketAddress) bare.getListenerInfo().get(0).getAddress()).getPort();
                Wrk.Result bareResult = Wrk.run(work, "bare", "http://127.0.0.1:" + barePort + "/",
                        requests.get("get_status"), seconds);
                List<Wrk.Result> results = new ArrayList<>();
                for (Map.Entry<String, String> request : requests.entrySet()) {
                    results.add(Wrk.run(work, request.getKey(), manager.uri().toString(), request.getValue(),
                            seconds));
                }
                System.out.printf("%n%s store, wrk %d threads %d connections %d s each, %d cores%n", store,
                        WRK_THREADS, WRK_CONNECTIONS, seconds, Runtime.getRuntime().availableProcessors());
                System.out.printf("%-14s %11s %8s %9s %9s %9s %7s %13s%n", "request", "requests/s", "of bare",
                        "p50 ms", "p99 ms", "p99/bare", "errors", "cpu us/req");
                System.out.println(bareResult.line(bareResult));
                results.forEach(result -> System.out.printf("%s %13.0f%n", result.line(bareResult),
                        cpu.get(result.name())));
            } finally {
                bare.stop();
            }
        }
    }

    /**
     * {@value #ENDED_JOBS} ended jobs from 8 clients: delete_machine of addresses never registered,
     * which fail at their check (update_machine jobs of one machine run one after another, far
     * slower); answers the last one's id.
     */
    private static String endedJobs(TestManager manager) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < ENDED_JOBS; i++) {
                String body = "{\"job_type\":\"delete_machine\",\"job_id\":\"ended-" + i
                        + "\",\"hostaddr\":\"127.63.200." + (i % 250 + 1) + "\"}";
                sent.add(clients.submit(() -> requireAccepted(manager.post(body))));
            }
            for (Future<?> each : sent) {
                each.get(5, TimeUnit.MINUTES);
            }
        } finally {
            clients.shutdownNow();
        }
        for (int i = 0; i < ENDED_JOBS; i++) {
            awaitEnded(manager.client(), "ended-" + i, "failed");
        }
        return "ended-" + (ENDED_JOBS - 1);
    }

    /**
     * The CPU one request costs in the manager, without HTTP and without the load of other
     * processes (which makes wrk's figures vary on a shared machine): parse, handle and render,
     * called {@value #CPU_CALLS} times on this thread after as many to warm up; microseconds of
     * this thread's CPU time per call.
     */
    private static Map<String, Double> cpuPerRequest(TestManager manager, Map<String, String> requests) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Double> cpu = new LinkedHashMap<>();
        for (Map.Entry<String, String> request : requests.entrySet()) {
            byte[] body = request.getValue().getBytes(StandardCharsets.UTF_8);
            for (int round = 0; round < 2; round++) {
                long start = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < CPU_CALLS; i++) {
                    WireFormat.render(manager.manager().handle(WireFormat.parse(body), Caller.ANONYMOUS));
                }
                cpu.put(request.getKey(), (threads.getCurrentThreadCpuTime() - start) / 1e3 / CPU_CALLS);
            }
        }
        return cpu;
    }

    /** Reads the body, answers a fixed JSON object: what the manager's handler would cost with nothing behind it. */
    private static Undertow bareUndertow() {
        byte[] reply = FIXED_REPLY.getBytes(StandardCharsets.UTF_8);
        Undertow undertow = Undertow.builder().addHttpListener(0, "127.0.0.1").setIoThreads(2).setWorkerThreads(64)
                .setHandler(exchange -> exchange.getRequestReceiver().receiveFullBytes((ex, body) -> {
                    ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json; charset=utf-8");
                    ex.getResponseSender().send(ByteBuffer.wrap(reply));
                })).build();
        undertow.start();
        return undertow;
    }

    // ---------------------------------------------------------------- acceptance

    private static void acceptance(String store, UnaryOperator<ManagerConfig> config) throws Exception {
        List<String> many = IntStream.range(0, 1016).mapToObj(n -> MANY_PREFIX + (n / 250) + "." + (n % 250 + 1))
                .toList();
        try (LoopbackMachines machines = LoopbackMachines.of(many.toArray(String[]::new));
             TestManager manager = TestManager.builder().configure(config).build().start()) {
            ApiClient client = manager.client();
            // 16 machines, each with a queue of jobs that keeps one worker busy.
            List<LoopbackMachine> busy = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                LoopbackMachine machine = machines.take();
                busy.add(machine);
                require(manager.submitAndAwait(machine.createMachineJson("busy-" + i)), "create_machine");
            }
            AtomicInteger queued = new AtomicInteger();
            for (int round = 0; round < 40; round++) {
                for (LoopbackMachine machine : busy) {
                    requireAccepted(client.post(machine.updateMachineJson("queue-" + queued.incrementAndGet())));
                }
            }
            LoopbackMachine target = busy.get(0);
            AtomicInteger next = new AtomicInteger();
            long[] underLoad = Latencies.timed(4, 4 * 250, () -> requireAccepted(
                    client.post(target.updateMachineJson("accept-" + next.incrementAndGet()))));
            int ongoing = countOngoing(client);
            System.out.printf("%s: accept while 16 workers run jobs (%d jobs ongoing when measured, %d queued):"
                    + " %d submissions from 4 clients, p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", store, ongoing,
                    queued.get(), underLoad.length, Latencies.millis(underLoad, 50),
                    Latencies.millis(underLoad, 99), Latencies.millis(underLoad, 100));
            awaitDone(client, "queue-" + queued.get());
            awaitDone(client, "accept-" + next.get());

            List<LoopbackMachine> fresh = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                fresh.add(machines.take());
            }
            AtomicInteger index = new AtomicInteger();
            long start = System.nanoTime();
            long[] burst = Latencies.timed(32, 1000, () -> {
                int i = index.getAndIncrement();
                requireAccepted(client.post(fresh.get(i).createMachineJson("burst-" + i)));
            });
            double accepted = (System.nanoTime() - start) / 1e9;
            for (int i = 0; i < 1000; i++) {
                awaitDone(client, "burst-" + i);
            }
            double done = (System.nanoTime() - start) / 1e9;
            System.out.printf("%s: 1000 create_machine from 32 clients: all accepted after %.2f s (accept p50 %.2f ms,"
                    + " p99 %.2f ms), all done after %.2f s%n", store, accepted, Latencies.millis(burst, 50),
                    Latencies.millis(burst, 99), done);
        }
    }

    private static int countOngoing(ApiClient client) {
        int ongoing = 0;
        for (var job : client.post("{\"job_type\":\"list_jobs\"}").json().path("jobs")) {
            if (job.path("result").asText().equals("ongoing")) {
                ongoing++;
            }
        }
        return ongoing;
    }

    private static void awaitDone(ApiClient client, String jobId) throws InterruptedException {
        awaitEnded(client, jobId, "done");
    }

    private static void awaitEnded(ApiClient client, String jobId, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline) {
            String result = client.post("{\"job_type\":\"get_status\",\"job_id\":\"" + jobId + "\"}").result();
            if (result.equals(expected)) {
                return;
            }
            if (result.equals("done") || result.equals("failed")) {
                throw new IllegalStateException("job " + jobId + " ended " + result + ", not " + expected);
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("job " + jobId + " did not end within 10 minutes");
    }

    private static Reply require(Reply reply, String what) {
        if (!reply.result().equals("done")) {
            throw new IllegalStateException(what + " failed: " + reply);
        }
        return reply;
    }

    private static void requireAccepted(Reply reply) {
        if (reply.status() != 200 || !reply.result().equals("accept")) {
            throw new IllegalStateException("a job was not accepted: " + reply);
        }
    }

    /** wrk, driven by a Lua script that POSTs one body and prints its figures in one line. */
    static final class Wrk {
        record Result(String name, long requests, double seconds, long errors, double p50Millis, double p99Millis) {
            double perSecond() {
                return requests / seconds;
            }

            String line(Result bare) {
                return String.format("%-14s %11.0f %7.0f%% %9.2f %9.2f %8.2fx %7d", name, perSecond(),
                        100 * perSecond() / bare.perSecond(), p50Millis, p99Millis, p99Millis / bare.p99Millis, errors);
            }
        }

        static Result run(Path work, String name, String url, String body, int seconds)
                throws IOException, InterruptedException {
            Path script = work.resolve(name + ".lua");
            Files.writeString(script, "wrk.method = \"POST\"\n"
                    + "wrk.body = [[" + body + "]]\n"
                    + "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
                    + "done = function(summary, latency, requests)\n"
                    + "  local e = summary.errors\n"
                    + "  io.write(string.format(\"RESULT %d %d %d %d %d\\n\", summary.requests, summary.duration,"
                    + " e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50),"
                    + " latency:percentile(99)))\n"
                    + "end\n");
            wrk(script, url, Math.max(2, seconds / 4));
            String[] figures = wrk(script, url, seconds);
            return new Result(name, Long.parseLong(figures[1]), Long.parseLong(figures[2]) / 1e6,
                    Long.parseLong(figures[3]), Long.parseLong(figures[4]) / 1e3, Long.parseLong(figures[5]) / 1e3);
        }

        private static String[] wrk(Path script, String url, int seconds) throws IOException, InterruptedException {
            Process wrk = new ProcessBuilder("wrk", "-t" + WRK_THREADS, "-c" + WRK_CONNECTIONS, "-d" + seconds + "s",
                    "--timeout", "30s", "-s", script.toString(), url).redirectErrorStream(true).start();
            String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!wrk.waitFor(seconds + 60L, TimeUnit.SECONDS) || wrk.exitValue() != 0) {
                throw new IllegalStateException("wrk failed: " + output);
            }
            return output.lines().filter(line -> line.startsWith("RESULT ")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("wrk printed no RESULT line: " + output))
                    .split(" ");
        }
    }
}
