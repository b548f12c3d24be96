package io.kunlun.model.job;

import io.kunlun.model.InvalidRequestException;

/** Every job_type of the API, with its wire name and whether it answers inline. */
public enum JobType {
    CREATE_MACHINE(true),
    UPDATE_MACHINE(true),
    DELETE_MACHINE(true),
    CREATE_CLUSTER(true),
    DELETE_CLUSTER(true),
    ADD_SHARDS(true),
    DELETE_SHARD(true),
    ADD_COMPS(true),
    DELETE_COMP(true),
    ADD_NODES(true),
    DELETE_NODE(true),
    BACKUP_CLUSTER(true),
    RESTORE_CLUSTER(true),
    RESTORE_NEW_CLUSTER(true),
    GET_META_MODE(false),
    GET_META(false),
    GET_CLUSTER(false),
    GET_STORAGE(false),
    GET_COMPUTER(false),
    GET_VARIABLE(false),
    SET_VARIABLE(false),
    CONTROL_INSTANCE(true),
    UPDATE_PROMETHEUS(true),
    POSTGRES_EXPORTER(true),
    MYSQLD_EXPORTER(true),
    GET_STATUS(false),
    /** Extension: the newest jobs, for kunlunctl job list. */
    LIST_JOBS(false),
    /** Extension: the registered machines, for kunlunctl machine list. */
    LIST_MACHINES(false),
    /** Extension: the backups in the backup store, for kunlunctl backup list. */
    LIST_BACKUPS(false),
    /**
     * Extension: a cluster's application account with its password, for kunlunctl cluster
     * credentials and connect; answered only to callers that may read secrets.
     */
    GET_CREDENTIALS(false),
    /** Extension: deletes one backup from the backup store, for kunlunctl backup delete. */
    DELETE_BACKUP(true),
    /** Extension: a planned change of an rbr shard's primary, no write lost. */
    SWITCHOVER(true),
    /** Extension: what the manager did on its own (instances started again, given up), newest first. */
    LIST_EVENTS(false),
    /** Extension: every manager on the metadata store, leader or follower, with its last heartbeat. */
    LIST_MANAGERS(false),
    /**
     * Extension, recorded by the manager and never submitted: the keepalive starting again an
     * instance found not running, or giving it up after its restart limit.
     */
    AUTO_RESTART(true, true),
    /** Extension, recorded by the manager: an rbr shard's lost primary replaced by its most advanced replica. */
    AUTO_FAILOVER(true, true),
    /** Extension, recorded by the manager: an old rbr primary, running again, made a replica of the new one. */
    AUTO_REJOIN(true, true);

    /** Every type by its wire name: fromWire runs for every request. */
    private static final java.util.Map<String, JobType> BY_WIRE_NAME = java.util.Arrays.stream(values())
            .collect(java.util.stream.Collectors.toUnmodifiableMap(JobType::wireName, type -> type));

    private final boolean async;
    private final boolean automatic;
    private final String wireName;

    JobType(boolean async) {
        this(async, false);
    }

    JobType(boolean async, boolean automatic) {
        this.async = async;
        this.automatic = automatic;
        this.wireName = name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The name on the wire, e.g. {@code create_machine}. */
    public String wireName() {
        return wireName;
    }

    /** Async jobs are queued and polled with get_status; the others answer in the reply. */
    public boolean isAsync() {
        return async;
    }

    /**
     * Jobs of this type record what the manager did on its own: they are listed and polled like
     * any job, but never submitted, queued or run by the job engine.
     */
    public boolean isAutomatic() {
        return automatic;
    }

    public static JobType fromWire(String value) {
        JobType type = value == null ? null : BY_WIRE_NAME.get(value);
        if (type != null) {
            return type;
        }
        throw new InvalidRequestException("job_type " + RequestFields.quote(value) + " is unknown");
    }
}
