package io.kunlun.core.backup.binlog;

import io.kunlun.core.ManagerException;
import io.kunlun.core.backup.BackupManifest;
import io.kunlun.core.engines.GtidPosition;
import io.kunlun.core.engines.SqlClient;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Point-in-time replay of a shard's archived binary log, for restores. Two steps, as a job uses
 * them:
 *
 * <pre>{@code
 * BinlogReplay replay = new BinlogReplay(archive);               // BinlogArchiving.archive()
 * // in check (reads the store only, no side effect):
 * BinlogReplay.Range range = replay.check(cluster, manifest.shards().get(i), t);   // t: Instant
 * // in run, once the shard's copy is restored and its server runs:
 * BinlogReplay.Outcome done = replay.apply(range, drivers.storage(host).client(newPrimary), timeout);
 * }</pre>
 *
 * <p>{@link #check} finds one server's archive of the shard that holds every transaction after
 * the backup's GTID position ({@code gtid_position} of the manifest's shard) up to {@code t}: its
 * first file starts at or before that position, its files are numbered without a hole, and its
 * last archived event is at or after {@code t} (an archive is only known to cover a second that
 * it holds an event at or after). Otherwise it refuses with
 * {@code no binlog archive covers <position> to <t> for cluster X shard Y}, followed, when an
 * archive would cover it but for missing files, by {@code : <directory> lacks <files> (a gap in
 * the archive)}.
 *
 * <p>{@link #apply} prints those files with {@code mariadb-binlog} on the store's machine,
 * {@code --start-position=<gtid position>} (exclusive: the backup holds that transaction) and
 * {@code --stop-datetime=<t + 1 s>} in the manager's zone, so every transaction committed at or
 * before the second {@code t} is applied and none after it, and runs the text on the target as
 * its local superuser. Events keep their GTIDs, so the target's {@code gtid_binlog_pos} ends at
 * the last transaction applied. The text is held in the manager's memory on its way.
 */
public final class BinlogReplay {
    private static final Duration PRINT_TIMEOUT = Duration.ofMinutes(30);

    private final BinlogArchive archive;

    public BinlogReplay(BinlogArchive archive) {
        this.archive = archive;
    }

    /** The files to apply and the bounds, as {@link #check} found them. */
    public record Range(String cluster, String shard, GtidPosition after, LocalDateTime until,
                        List<String> files) {
    }

    /** What was applied: the files read and the size of the SQL text run on the target. */
    public record Outcome(List<String> files, long sqlBytes) {
    }

    /**
     * The check from a backup's copy of the shard: its {@code gtid_position}. Its
     * {@code binlog_file}/{@code binlog_offset} name the copy's source's own binlog (a replica's,
     * often), which the archive of the primary does not hold; the GTID position is the same in
     * every node's history of the shard.
     */
    public Range check(String cluster, BackupManifest.ShardCopy copy, Instant until) {
        return check(cluster, copy.name(), new GtidPosition(copy.gtidPosition()), until);
    }

    /** The same check with {@code until} an instant, taken in the manager's zone. */
    public Range check(String cluster, String shard, GtidPosition after, Instant until) {
        return check(cluster, shard, after, LocalDateTime.ofInstant(until, archive.zone()));
    }

    /** Finds the archived files that replay the shard from {@code after} to {@code until}; refuses when none do. */
    public Range check(String cluster, String shard, GtidPosition after, LocalDateTime until) {
        LocalDateTime second = until.truncatedTo(ChronoUnit.SECONDS);
        List<BinlogArchive.SourceArchive> sources = archive.sources(cluster, shard);
        for (BinlogArchive.SourceArchive source : sources) {
            if (source.contiguous() && spans(source, after, second)) {
                return new Range(cluster, shard, after, second,
                        source.filesAfter(after).stream().map(BinlogArchive.ArchivedFile::path).toList());
            }
        }
        String gaps = sources.stream()
                .filter(source -> !source.missing().isEmpty() && spans(source, after, second))
                .map(source -> ": " + source.directory() + " lacks " + String.join(", ", source.missing())
                        + " (a gap in the archive)")
                .findFirst().orElse("");
        throw ManagerException.refused("no binlog archive covers " + (after.text().isEmpty() ? "the beginning"
                : after.text()) + " to " + BinlogArchive.SECOND.format(second) + " for cluster " + cluster + " shard "
                + shard + gaps);
    }

    /** Whether the server's files run from at or before {@code after} to an event at or after {@code second}. */
    private static boolean spans(BinlogArchive.SourceArchive source, GtidPosition after, LocalDateTime second) {
        return source.startsAtOrBefore(after) && source.lastEvent() != null && !source.lastEvent().isBefore(second);
    }

    /** Applies the range to the target; fails with the tail of mariadb-binlog's or the client's errors. */
    public Outcome apply(Range range, SqlClient target, Duration timeout) {
        List<String> argv = new ArrayList<>(List.of("env", archive.timeZoneVariable(), archive.binlogProgram(),
                "--no-defaults", "--stop-datetime=" + BinlogArchive.SECOND.format(range.until().plusSeconds(1))));
        if (!range.after().text().isEmpty()) {
            argv.add("--start-position=" + range.after().text());
        }
        argv.addAll(range.files());
        CommandResult printed = archive.host().run(new Command(argv, null, PRINT_TIMEOUT));
        // The newest file may end in an event still being written; mariadb-binlog then complains
        // after printing every complete event, which is all a replay up to range.until() needs.
        if (!printed.succeeded() && !truncatedTail(printed.stderr())) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "replay of cluster " + range.cluster()
                    + " " + range.shard() + ": mariadb-binlog on " + archive.host().address() + " exited with "
                    + printed.exitCode() + ": " + BinlogArchive.tail(printed.stderr()));
        }
        String sql = printed.stdout();
        try {
            target.execute(sql, timeout);
        } catch (ManagerException e) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, "replay of cluster " + range.cluster()
                    + " " + range.shard() + ": " + BinlogArchive.tail(e.getMessage()), e);
        }
        return new Outcome(range.files(), sql.getBytes(StandardCharsets.UTF_8).length);
    }

    private static boolean truncatedTail(String stderr) {
        return stderr.contains("Could not read entry at offset") || stderr.contains("unexpected EOF");
    }
}
