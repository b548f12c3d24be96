package io.kunlun.core.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.kunlun.core.ManagerException;
import io.kunlun.core.engines.InstancePaths;

import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;

/**
 * Where backups are kept: a directory on a machine, reached like every machine (loopback
 * addresses locally, others over SSH). Left out, it is {@code <home>/backups} on the manager's
 * own host, 127.0.0.1, which only machines on that host can stream to; a store that instances on
 * other machines back up to needs an address they can reach.
 *
 * <p>{@code allow_restore_in_place} (default false) lets restore_cluster replace an existing
 * cluster's data with a backup; switched off, as the reference system ships it, every
 * restore_cluster is refused and only restore_new_cluster restores.
 *
 * <p>{@code time_zone} (default: the manager's system zone) is the zone of every backup time:
 * restores' {@code timestamp}, backup_cluster's info, list_backups' times and the archive's
 * replay bounds. A region ({@code Europe/Berlin}) follows daylight saving time; an offset
 * ({@code +02:00}, {@code UTC}) does not.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BackupConfig(@JsonProperty("hostaddr") String hostaddr, @JsonProperty("path") String path,
                           @JsonProperty("retention") Retention retention,
                           @JsonProperty("allow_restore_in_place") boolean allowRestoreInPlace,
                           @JsonProperty("time_zone") String timeZone) {
    /**
     * How many complete backups each cluster keeps, applied after each successful backup_cluster
     * and by the leader's hourly pass over every cluster in the store, deleted ones too:
     * a backup goes when it is not among the newest {@code keep_backups}, or when it is older than
     * {@code keep_days}; the newest backup always stays. Left out, a rule keeps everything.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Retention(@JsonProperty("keep_backups") Integer keepBackups,
                            @JsonProperty("keep_days") Integer keepDays) {
        public static final Retention KEEP_ALL = new Retention(null, null);

        public Retention {
            if (keepBackups != null && keepBackups < 1) {
                throw ManagerException.refused("backup.retention.keep_backups must be at least 1, got " + keepBackups);
            }
            if (keepDays != null && keepDays < 1) {
                throw ManagerException.refused("backup.retention.keep_days must be at least 1, got " + keepDays);
            }
        }
    }

    /** The manager's own host, reached without SSH. */
    public static final String MANAGER_HOST = "127.0.0.1";

    public BackupConfig {
        retention = retention == null ? Retention.KEEP_ALL : retention;
        hostaddr = hostaddr == null || hostaddr.isBlank() ? MANAGER_HOST : hostaddr.strip();
        if (!hostaddr.matches("[A-Za-z0-9.:-]{1,253}")) {
            throw ManagerException.refused("backup.hostaddr must be a host name or address, got \"" + hostaddr
                    + "\"");
        }
        if (path != null) {
            InstancePaths.requireSafe(path, "backup.path");
        }
        if (timeZone != null) {
            try {
                ZoneId.of(timeZone);
            } catch (DateTimeException e) {
                throw ManagerException.refused("backup.time_zone must be a zone such as Europe/Berlin, UTC or +02:00,"
                        + " got \"" + timeZone + "\"");
            }
        }
    }

    /** A store in the manager's system zone. */
    public BackupConfig(String hostaddr, String path, Retention retention, boolean allowRestoreInPlace) {
        this(hostaddr, path, retention, allowRestoreInPlace, null);
    }

    /** The zone of backup times: {@code time_zone}, or the manager's system zone when it is left out. */
    public ZoneId zone() {
        return timeZone == null ? ZoneId.systemDefault() : ZoneId.of(timeZone);
    }

    /** The store under the manager's home on the manager's own host. */
    public static BackupConfig underHome(Path home) {
        return new BackupConfig(MANAGER_HOST, home.toAbsolutePath().normalize().resolve("backups").toString(),
                Retention.KEEP_ALL, false);
    }

    /** This configuration with the path filled in from the manager's home when it was left out. */
    public BackupConfig resolvedAgainst(Path home) {
        return path != null ? this : new BackupConfig(hostaddr, underHome(home).path(), retention,
                allowRestoreInPlace, timeZone);
    }

    /** This configuration with restore_cluster switched on or off. */
    public BackupConfig withAllowRestoreInPlace(boolean allowed) {
        return new BackupConfig(hostaddr, path, retention, allowed, timeZone);
    }

    /** This configuration with backup times in another zone. */
    public BackupConfig withTimeZone(String zone) {
        return new BackupConfig(hostaddr, path, retention, allowRestoreInPlace, zone);
    }
}
