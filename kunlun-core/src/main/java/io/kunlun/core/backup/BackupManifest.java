package io.kunlun.core.backup;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.stream.Stream;

/**
 * What one backup holds, written as {@code manifest.json} into the backup's directory once every
 * file is in place and verified: a backup without a manifest is incomplete and is never read.
 * Times are ISO-8601 instants in UTC; {@code backup_time} is the job's info, in the manager's zone.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BackupManifest(
        @JsonProperty("format") int format,
        @JsonProperty("backup_id") String backupId,
        @JsonProperty("cluster") String cluster,
        @JsonProperty("job_id") String jobId,
        @JsonProperty("spec") Spec spec,
        @JsonProperty("started_at") String startedAt,
        @JsonProperty("ended_at") String endedAt,
        @JsonProperty("consistent_at") String consistentAt,
        @JsonProperty("backup_time") String backupTime,
        @JsonProperty("shards") List<ShardCopy> shards,
        @JsonProperty("comps") List<CompSchema> comps) {

    /** The version of this layout, raised when a reader would misread a newer one. */
    public static final int FORMAT = 1;

    /** The cluster's shape, as create_cluster's fields: what a restore builds again. */
    public record Spec(@JsonProperty("ha_mode") String haMode, @JsonProperty("shards") int shards,
                       @JsonProperty("nodes") int nodes, @JsonProperty("comps") int comps,
                       @JsonProperty("max_storage_size") int maxStorageSizeGb,
                       @JsonProperty("max_connections") int maxConnections,
                       @JsonProperty("cpu_cores") int cpuCores, @JsonProperty("innodb_size") int innodbSizeGb) {
    }

    /**
     * One shard's physical copy: which node it was taken from, the xbstream file and its
     * compression, and the source's binlog coordinates at the copy's consistent point.
     */
    public record ShardCopy(@JsonProperty("name") String name, @JsonProperty("source") String source,
                            @JsonProperty("source_role") String sourceRole, @JsonProperty("file") StoredFile file,
                            @JsonProperty("compression") String compression,
                            @JsonProperty("binlog_file") String binlogFile,
                            @JsonProperty("binlog_offset") long binlogOffset,
                            @JsonProperty("gtid_position") String gtidPosition,
                            @JsonProperty("started_at") String startedAt, @JsonProperty("ended_at") String endedAt) {
    }

    /** One comp's schema of the client database and its roles (without passwords). */
    public record CompSchema(@JsonProperty("name") String name, @JsonProperty("source") String source,
                             @JsonProperty("database") String database, @JsonProperty("schema") StoredFile schema,
                             @JsonProperty("roles") StoredFile roles) {
    }

    /** Every file the backup holds besides the manifest. */
    public List<StoredFile> files() {
        return Stream.concat(shards.stream().map(ShardCopy::file),
                comps.stream().flatMap(comp -> Stream.of(comp.schema(), comp.roles()))).toList();
    }

    /** The bytes of every file. */
    public long bytes() {
        return files().stream().mapToLong(StoredFile::bytes).sum();
    }
}
