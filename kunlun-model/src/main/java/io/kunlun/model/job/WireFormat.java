package io.kunlun.model.job;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.ClusterSpec;
import io.kunlun.model.HaMode;
import io.kunlun.model.InvalidRequestException;
import io.kunlun.model.Machine;
import io.kunlun.model.job.JobRequest.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** The API's JSON: request bytes → {@link Submission}, replies → bytes. */
public final class WireFormat {
    /** Bodies above this size are refused before parsing. */
    public static final int MAX_BODY_BYTES = 1 << 20;

    private static final String EMPTY_BODY = "request body is empty: send one JSON object with job_type";
    private static final Pattern CONSTRAINT_SOURCE = Pattern.compile(", from `[^`]*`\\)");
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(JsonParser.Feature.ALLOW_COMMENTS)
            .addModule(new Jdk8Module())
            .build();

    private WireFormat() {
    }

    /** The refusal of a body of {@code bytes} bytes, above {@link #MAX_BODY_BYTES}. */
    public static String bodyTooLarge(long bytes) {
        return "request body is " + bytes + " bytes, the limit is " + MAX_BODY_BYTES;
    }

    public static ObjectMapper json() {
        return JSON;
    }

    /** Parses and validates one request body. */
    public static Submission parse(byte[] body) {
        if (body.length == 0) {
            throw new InvalidRequestException(EMPTY_BODY);
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new InvalidRequestException(bodyTooLarge(body.length));
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidRequestException("request body is not valid UTF-8");
        }
        JsonNode tree = readOneValue(text);
        if (tree == null) {
            throw new InvalidRequestException(EMPTY_BODY);
        }
        if (!tree.isObject()) {
            throw new InvalidRequestException("request body must be a JSON object, got " + RequestFields.describe(tree));
        }
        return parse((ObjectNode) tree);
    }

    /** The one JSON value of the text; null when the text holds nothing but white space. */
    private static JsonNode readOneValue(String text) {
        try (JsonParser parser = JSON.createParser(text)) {
            if (parser.nextToken() == null) {
                return null;
            }
            JsonNode tree = JSON.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(parser);
            if (parser.nextToken() != null) {
                throw new InvalidRequestException("request body is not valid JSON: more content after the first value"
                        + at(parser.currentTokenLocation()));
            }
            return tree;
        } catch (StreamConstraintsException e) {
            // Jackson names its own setting here ("from `StreamReadConstraints...`"); the limit is enough.
            throw new InvalidRequestException("request body is not valid JSON: "
                    + CONSTRAINT_SOURCE.matcher(e.getOriginalMessage()).replaceAll(")"));
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("request body is not valid JSON: " + e.getOriginalMessage()
                    + at(e.getLocation()));
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from a string cannot fail this way", e);
        }
    }

    private static String at(JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static final String DRY_RUN = "dry_run";

    public static Submission parse(ObjectNode body) {
        RequestFields fields = new RequestFields(body);
        JobType type = JobType.fromWire(fields.text("job_type"));
        Optional<String> jobId = fields.optionalText("job_id").map(String::strip);
        jobId.ifPresent(id -> {
            if (!JOB_ID.matcher(id).matches()) {
                throw new InvalidRequestException(
                        "job_id must hold 1 to 64 letters, digits, '.', '_', ':' or '-', got " + RequestFields.quote(id));
            }
        });
        // Stored with the job and shown in listings and consoles: a label, never markup or control characters.
        String user = fields.optionalLabel("user_name").orElse("");
        JobRequest request = parseRequest(type, fields);
        // Only what was read is kept: unknown fields (up to the body limit) are neither stored nor
        // compared, and "ver" is never read. A dry run accepts no job, so dry_run is not kept either.
        return new Submission(jobId, user, request, sorted(fields.known()), dryRun(type, body.get(DRY_RUN)));
    }

    /** {@code "dry_run"}: "1", 1 or true asks for a dry run; "0", 0, false or no field for the job itself. */
    private static boolean dryRun(JobType type, JsonNode value) {
        boolean dryRun = RequestFields.flag(DRY_RUN, value);
        if (dryRun && !type.isAsync()) {
            throw new InvalidRequestException(DRY_RUN + " is for jobs that change something; "
                    + type.wireName() + " is answered at once and changes nothing");
        }
        return dryRun;
    }

    /** list_jobs's filter by type: {@code job_type} is list_jobs's own. */
    public static final String FILTER_JOB_TYPE = "filter_job_type";

    /**
     * list_machines's largest page, and its default: a fleet of up to this many machines is still
     * answered in one reply, as before paging (clients that know no paging keep working); a page
     * is about 450 KB (10 000 machines were 4.5 MB in one reply).
     */
    public static final int MACHINE_PAGE = 1000;

    /** list_jobs's {@code before}: the job_id the previous page ended with (manager-made or a client's). */
    private static String pageStart(String jobId) {
        String id = jobId.strip();
        if (!JOB_ID.matcher(id).matches()) {
            throw new InvalidRequestException("before must be the job_id the previous page ended with, got "
                    + RequestFields.quote(id));
        }
        return id;
    }

    /** list_machines's {@code after}: the hostaddr the previous page ended with. */
    private static String machinePageStart(String hostaddr) {
        String host = hostaddr.strip();
        try {
            return RequestFields.checkHost("after", host);
        } catch (InvalidRequestException notAHost) {
            throw new InvalidRequestException("after must be the hostaddr the previous page ended with (an IPv4"
                    + " address or a host name), got " + RequestFields.quote(host));
        }
    }

    private static JobType listedType(String wireName) {
        try {
            return JobType.fromWire(wireName);
        } catch (InvalidRequestException unknown) {
            throw new InvalidRequestException(FILTER_JOB_TYPE + " " + RequestFields.quote(wireName) + " is unknown");
        }
    }

    private static JobRequest parseRequest(JobType type, RequestFields f) {
        return switch (type) {
            case CREATE_MACHINE -> new CreateMachine(machine(f));
            case UPDATE_MACHINE -> new UpdateMachine(machine(f));
            case DELETE_MACHINE -> new DeleteMachine(f.host("hostaddr"));
            case CREATE_CLUSTER -> createCluster(f);
            case DELETE_CLUSTER -> new DeleteCluster(f.name("cluster_name"));
            case ADD_SHARDS -> new AddShards(f.name("cluster_name"), f.integer("shards", 1, 256),
                    f.optionalMachineList("machinelist"));
            case DELETE_SHARD -> new DeleteShard(f.name("cluster_name"), f.name("shard_name"));
            case ADD_COMPS -> new AddComps(f.name("cluster_name"), f.integer("comps", 1, 256),
                    f.optionalMachineList("machinelist"));
            case DELETE_COMP -> new DeleteComp(f.name("cluster_name"), f.name("comp_name"));
            case ADD_NODES -> new AddNodes(f.name("cluster_name"), f.optionalName("shard_name"),
                    f.integer("nodes", 1, 16), f.optionalMachineList("machinelist"));
            case DELETE_NODE -> new DeleteNode(f.name("cluster_name"), f.name("shard_name"), instance(f));
            case BACKUP_CLUSTER -> new BackupCluster(f.name("backup_cluster_name"));
            case RESTORE_CLUSTER -> new RestoreCluster(f.timestamp("timestamp"), f.name("backup_cluster_name"),
                    f.name("restore_cluster_name"));
            case RESTORE_NEW_CLUSTER -> new RestoreNewCluster(f.timestamp("timestamp"),
                    f.name("backup_cluster_name"), f.optionalMachineList("machinelist"));
            case GET_META_MODE -> new GetMetaMode();
            case GET_META -> new GetMeta();
            case GET_CLUSTER -> new GetCluster();
            case GET_STORAGE -> new GetStorage(f.name("cluster_name"));
            case GET_COMPUTER -> new GetComputer(f.name("cluster_name"));
            case GET_VARIABLE -> new GetVariable(f.variable("variable"), instance(f));
            case SET_VARIABLE -> setVariable(f);
            case CONTROL_INSTANCE -> new ControlInstance(
                    Control.valueOf(f.choice("control", List.of("stop", "start", "restart")).toUpperCase()),
                    instance(f));
            case UPDATE_PROMETHEUS -> new UpdatePrometheus();
            case POSTGRES_EXPORTER -> new PostgresExporter(instance(f));
            case MYSQLD_EXPORTER -> new MysqldExporter(instance(f));
            case GET_STATUS -> new GetStatus(f.text("job_id").trim());
            case LIST_JOBS -> new ListJobs(f.integer("limit", 1, 1000, 20),
                    f.optionalText(FILTER_JOB_TYPE).map(WireFormat::listedType), f.flag("automatic"),
                    f.optionalText("before").map(WireFormat::pageStart));
            case LIST_MACHINES -> new ListMachines(f.integer("limit", 1, MACHINE_PAGE, MACHINE_PAGE),
                    f.optionalText("after").map(WireFormat::machinePageStart));
            case LIST_BACKUPS -> new ListBackups(f.optionalName("cluster_name"));
            case GET_CREDENTIALS -> new GetCredentials(f.name("cluster_name"));
            case DELETE_BACKUP -> new DeleteBackup(f.name("cluster_name"), f.backupId("backup_id"));
            case SWITCHOVER -> new Switchover(f.name("cluster_name"), f.name("shard_name"), optionalInstance(f));
            case LIST_EVENTS -> new ListEvents(f.optionalName("cluster_name"), f.integer("limit", 1, 1000, 100));
            case LIST_MANAGERS -> new ListManagers();
            case AUTO_RESTART, AUTO_FAILOVER, AUTO_REJOIN -> throw new InvalidRequestException(type.wireName()
                    + " records what the manager does on its own and cannot be submitted; list such jobs with"
                    + " list_jobs and \"automatic\": \"1\"");
        };
    }

    private static Machine machine(RequestFields f) {
        return new Machine(
                f.host("hostaddr"),
                f.optionalLabel("rack_id").orElse("0"),
                f.pathList("datadir"),
                f.pathList("logdir"),
                f.pathList("wal_log_dir"),
                f.pathList("comp_datadir"),
                f.integer("total_mem", 1, 16 * 1024 * 1024),
                f.integer("total_cpu_cores", 1, 4096));
    }

    private static CreateCluster createCluster(RequestFields f) {
        HaMode mode = HaMode.fromWire("ha_mode", f.text("ha_mode"));
        int nodes = f.integer("nodes", 1, 16);
        if (nodes < mode.minNodes() || nodes > mode.maxNodes()) {
            throw new InvalidRequestException(mode == HaMode.NO_REP
                    ? "nodes must be 1 for ha_mode no_rep, got " + nodes
                    : "nodes must be from " + mode.minNodes() + " to " + mode.maxNodes() + " for ha_mode "
                      + mode.wireName() + ", got " + nodes);
        }
        ClusterSpec spec = new ClusterSpec(mode, nodes,
                f.integer("max_storage_size", 1, 1 << 20, 20),
                f.integer("max_connections", 1, 100_000, 1000),
                f.integer("cpu_cores", 1, 256, 8),
                f.integer("innodb_size", 1, 16, 1));
        return new CreateCluster(f.optionalName("cluster_name"), spec, f.integer("shards", 1, 256),
                f.integer("comps", 1, 256), f.optionalMachineList("machinelist"));
    }

    private static InstanceAddress instance(RequestFields f) {
        return new InstanceAddress(f.host("ip"), f.port("port"));
    }

    /** An instance named by ip and port together, or by neither. */
    private static Optional<InstanceAddress> optionalInstance(RequestFields f) {
        boolean ip = !f.optionalText("ip").orElse("").isBlank();
        boolean port = !f.optionalText("port").orElse("").isBlank();
        if (ip != port) {
            throw new InvalidRequestException("ip and port name an instance together: give both or neither");
        }
        return ip ? Optional.of(instance(f)) : Optional.empty();
    }

    private static SetVariable setVariable(RequestFields f) {
        String variable = f.variable("variable");
        InstanceAddress instance = instance(f);
        boolean hasInt = f.has("value_int") && !f.optionalText("value_int").orElse("").isBlank();
        Optional<Long> asInt = hasInt
                ? Optional.of(f.optionalLong("value_int", Long.MIN_VALUE, Long.MAX_VALUE).orElseThrow())
                : Optional.empty();
        if (asInt.isPresent()) {
            return new SetVariable(variable, Long.toString(asInt.get()), true, instance);
        }
        String text = f.optionalValue("value_str", 4096)
                .orElseThrow(() -> new InvalidRequestException("value_int or value_str is required"));
        return new SetVariable(variable, text, false, instance);
    }

    private static JsonNode sorted(ObjectNode node) {
        Map<String, JsonNode> byName = new TreeMap<>();
        node.fields().forEachRemaining(e -> byName.put(e.getKey(), e.getValue()));
        ObjectNode out = JSON.createObjectNode();
        byName.forEach(out::set);
        return out;
    }

    /** Renders a reply; nested maps keep their insertion order. */
    public static byte[] render(Map<String, ?> reply) {
        try {
            return JSON.writer().without(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).writeValueAsBytes(reply);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("reply cannot be rendered: " + e.getMessage(), e);
        }
    }

    /** An ordered {@code {"result":..., "info":...}} reply that callers may extend. */
    public static Map<String, Object> reply(String result, String info) {
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("result", result);
        if (info != null) {
            reply.put("info", info);
        }
        return reply;
    }

    public static Map<String, Object> failed(String info) {
        return reply("failed", info);
    }
}
