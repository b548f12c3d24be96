package io.kunlun.core.backup.binlog;

import io.kunlun.core.backup.StorePath;
import io.kunlun.core.ManagerException;
import io.kunlun.core.engines.GtidPosition;
import io.kunlun.core.hosts.Command;
import io.kunlun.core.hosts.CommandResult;
import io.kunlun.core.hosts.HostAccess;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The archived binary logs of a cluster in the backup store, and what they cover. Layout:
 * {@code <path>/<cluster>/binlog/<shard>/<hostaddr>_<port>/<binlog file>}: one directory per
 * server the shard's binlog was read from, holding that server's files byte for byte under their
 * own names, so that a switchover starts a new directory instead of mixing two servers' files
 * of the same names. Beside them: {@code <shard>/archiver.log} (the archiver's output),
 * {@code <shard>/.kunlun-job} (the job that started archiving the shard) and
 * {@code <path>/<cluster>/binlog/archiver.cnf} (the archive account's login, mode 0600).
 *
 * <p>What a file covers is read from the file itself with {@code mariadb-binlog}: the GTID list
 * event at its start (every transaction before the file) and the times of its events, printed
 * in the manager's zone. Nothing else is needed to find the files for a GTID range and a time,
 * so the archive can be used by hand and after the cluster is gone.
 */
public final class BinlogArchive {
    /** How the archive's times are shown and taken: to the second, in the manager's zone. */
    public static final java.time.format.DateTimeFormatter SECOND =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    static final String JOB_MARKER = ".kunlun-job";
    static final String DEFAULTS_FILE = "archiver.cnf";
    static final String LOG_FILE = "archiver.log";
    private static final Pattern BINLOG_NAME = Pattern.compile(".+\\.(\\d{6,})");
    /** An event header as mariadb-binlog prints it: {@code #261202  9:05:03 server id 1 ...}. */
    private static final Pattern EVENT = Pattern.compile("^#(\\d\\d)(\\d\\d)(\\d\\d)\\s+(\\d{1,2}):(\\d\\d):(\\d\\d) server id .*");
    private static final Pattern GTID_LIST = Pattern.compile("\\tGtid list \\[([^\\]]*)\\]");
    /** The events at a file's start, up to its GTID list, are within its first few kilobytes. */
    private static final String HEADER_BYTES = "65536";

    private final HostAccess host;
    private final String path;
    private final String binlogProgram;
    private final ZoneId zone;

    /**
     * @param host          the store's machine
     * @param path          the store's directory
     * @param binlogProgram mariadb-binlog on the store's machine
     * @param zone          the zone of backup times (backup.time_zone): times are read and written in it
     */
    public BinlogArchive(HostAccess host, String path, String binlogProgram, ZoneId zone) {
        this.host = host;
        this.path = path;
        this.binlogProgram = binlogProgram;
        this.zone = zone;
    }

    /** Refuses an archive in a store another account of its machine could redirect ({@link StorePath}). */
    public void requireSafePath() {
        StorePath.requireSafe(host, host.address() + ":" + path, path);
    }

    /** One archived file: where it is, its number, the GTID state before it, its first event's time. */
    public record ArchivedFile(String path, long number, GtidPosition before, LocalDateTime firstEvent) {
    }

    /** The files read from one server of a shard, oldest first, and the time of the last event they hold. */
    public record SourceArchive(String directory, List<ArchivedFile> files, LocalDateTime lastEvent) {
        /** Files numbered without a hole: a missing one would leave a gap in the history. */
        public boolean contiguous() {
            return !files.isEmpty() && missing().isEmpty();
        }

        /** The names of the files missing between the first and the last one: the archive's gaps. */
        public List<String> missing() {
            List<String> missing = new ArrayList<>();
            for (int i = 1; i < files.size(); i++) {
                String name = files.get(i).path().substring(files.get(i).path().lastIndexOf('/') + 1);
                String prefix = name.substring(0, name.lastIndexOf('.') + 1);
                for (long number = files.get(i - 1).number() + 1; number < files.get(i).number(); number++) {
                    missing.add(prefix + String.format("%06d", number));
                }
            }
            return missing;
        }

        /** Every transaction after {@code position} is in these files when the first file starts at or before it. */
        public boolean startsAtOrBefore(GtidPosition position) {
            return !files.isEmpty() && notAfter(files.get(0).before(), position);
        }

        /** The files that hold the transactions after {@code position}: from the last one that starts at or before it. */
        public List<ArchivedFile> filesAfter(GtidPosition position) {
            int first = 0;
            for (int i = 0; i < files.size(); i++) {
                if (notAfter(files.get(i).before(), position)) {
                    first = i;
                }
            }
            return files.subList(first, files.size());
        }
    }

    /** Whether every domain of {@code state} is at or before {@code position}. */
    static boolean notAfter(GtidPosition state, GtidPosition position) {
        Map<Long, Long> reached = position.sequences();
        return state.sequences().entrySet().stream()
                .allMatch(domain -> domain.getValue() <= reached.getOrDefault(domain.getKey(), 0L));
    }

    public String clusterDirectory(String cluster) {
        return path + "/" + cluster + "/binlog";
    }

    public String shardDirectory(String cluster, String shard) {
        return clusterDirectory(cluster) + "/" + shard;
    }

    public String sourceDirectory(String cluster, String shard, String hostaddr, int port) {
        return shardDirectory(cluster, shard) + "/" + hostaddr + "_" + port;
    }

    HostAccess host() {
        return host;
    }

    String binlogProgram() {
        return binlogProgram;
    }

    /** The zone of backup times (backup.time_zone): timestamps are read, and the archive's times shown, in it. */
    public ZoneId zone() {
        return zone;
    }

    /** An instant as backup times are shown: in {@link #zone()}, to the second. */
    public String timeOf(Instant instant) {
        return SECOND.format(localTime(instant));
    }

    /** An instant as a time of day in {@link #zone()}. */
    public LocalDateTime localTime(Instant instant) {
        return LocalDateTime.ofInstant(instant, zone);
    }

    /**
     * The manager's zone as mariadb-binlog's {@code TZ}: a region by its name; a fixed offset in
     * POSIX form, whose sign is the other way round ({@code UTC-02:00} is two hours east).
     */
    String timeZoneVariable() {
        if (zone.normalized() instanceof java.time.ZoneOffset offset) {
            int seconds = -offset.getTotalSeconds();
            return String.format("TZ=UTC%s%02d:%02d:%02d", seconds < 0 ? "-" : "+", Math.abs(seconds) / 3600,
                    Math.abs(seconds) / 60 % 60, Math.abs(seconds) % 60);
        }
        return "TZ=" + zone.getId();
    }

    /** The shards of the cluster with an archive, whether or not the cluster still exists. */
    public List<String> shards(String cluster) {
        return subdirectories(clusterDirectory(cluster));
    }

    /**
     * The shards with an archive, by cluster (deleted ones too), found by one listing of the
     * store: the health round asks each round.
     */
    public Map<String, List<String>> shardsByCluster() {
        CommandResult listed = host.run(Command.of("find", path, "-mindepth", "3", "-maxdepth", "3", "-type", "d",
                "-printf", "%P\\n"));
        Map<String, List<String>> shards = new TreeMap<>();
        if (!listed.succeeded()) {
            return shards;
        }
        listed.stdout().lines().map(line -> line.split("/")).filter(parts -> parts.length == 3
                        && parts[1].equals("binlog")).sorted(Comparator.comparing(parts -> parts[2]))
                .forEach(parts -> shards.computeIfAbsent(parts[0], cluster -> new ArrayList<>()).add(parts[2]));
        return shards;
    }

    /** The clusters with an archive in the store, deleted ones too. */
    public List<String> clusters() {
        CommandResult listed = host.run(Command.of("find", path, "-mindepth", "2", "-maxdepth", "2", "-type", "d",
                "-name", "binlog", "-printf", "%h\\n"));
        return listed.succeeded() ? listed.stdout().lines().map(dir -> dir.substring(dir.lastIndexOf('/') + 1))
                .sorted().toList() : List.of();
    }

    /** The first and last archived event times of a shard, over all its servers: empty when nothing is archived. */
    public Optional<Interval> interval(String cluster, String shard) {
        List<SourceArchive> sources = sources(cluster, shard).stream().filter(source -> !source.files().isEmpty())
                .toList();
        return sources.stream().map(source -> source.files().get(0).firstEvent()).min(Comparator.naturalOrder())
                .map(from -> new Interval(from, sources.stream().map(SourceArchive::lastEvent)
                        .filter(java.util.Objects::nonNull).max(Comparator.naturalOrder()).orElse(from)));
    }

    /** A span of archived history, in the manager's zone. */
    public record Interval(LocalDateTime from, LocalDateTime until) {
    }

    /** Every server the shard's binlog was archived from, each with its files. */
    public List<SourceArchive> sources(String cluster, String shard) {
        List<SourceArchive> sources = new ArrayList<>();
        for (String source : subdirectories(shardDirectory(cluster, shard))) {
            sources.add(source(shardDirectory(cluster, shard) + "/" + source));
        }
        return sources;
    }

    /**
     * Deletes the shard's archived files that hold only transactions at or before
     * {@code oldestKept} (the oldest kept backup's position): a file goes when the next file of
     * the same server starts at or before that position. The newest file of each server stays.
     * Answers the files deleted.
     */
    public List<String> prune(String cluster, String shard, GtidPosition oldestKept) {
        List<String> deleted = new ArrayList<>();
        for (SourceArchive source : sources(cluster, shard)) {
            List<ArchivedFile> files = source.files();
            for (int i = 0; i + 1 < files.size() && notAfter(files.get(i + 1).before(), oldestKept); i++) {
                host.check(Command.of("rm", "-f", "--", files.get(i).path()));
                deleted.add(files.get(i).path());
            }
        }
        return deleted;
    }

    /** The binlog file names in a directory, oldest first. */
    List<String> fileNames(String directory) {
        CommandResult listed = host.run(Command.of("ls", "-1", "--", directory));
        if (!listed.succeeded()) {
            return List.of();
        }
        return listed.stdout().lines().filter(name -> BINLOG_NAME.matcher(name).matches())
                .sorted(Comparator.comparingLong(BinlogArchive::number)).toList();
    }

    SourceArchive source(String directory) {
        List<FileVersion> versions = fileVersions(directory);
        List<ArchivedFile> files = new ArrayList<>();
        for (FileVersion version : versions) {
            header(version).ifPresent(files::add); // none: a file whose first event is still being written
        }
        LocalDateTime last = files.isEmpty() ? null : lastEvent(versions.stream()
                .filter(version -> version.path().equals(files.get(files.size() - 1).path())).findFirst().orElseThrow());
        Set<String> present = new HashSet<>();
        versions.forEach(version -> present.add(version.path()));
        read.keySet().removeIf(version -> version.path().startsWith(directory + "/") && !present.contains(version.path()));
        return new SourceArchive(directory, files, last);
    }

    /**
     * One version of an archived file: its path, size and modification time. A file read once is
     * not read again while these stay the same; the archiver only appends to its newest file and
     * leaves the others as they are, so list_backups, asked again and again, reads only what changed.
     */
    record FileVersion(String path, long size, String modified) {
        String name() {
            return path.substring(path.lastIndexOf('/') + 1);
        }
    }

    /** What was read from each file version: its header, and its last event's time once asked for. */
    private record FileReading(Optional<ArchivedFile> header, Optional<LocalDateTime> lastEvent) {
    }

    private final Map<FileVersion, FileReading> read = new ConcurrentHashMap<>();

    /** The binlog files of a directory with their size and modification time, oldest first. */
    List<FileVersion> fileVersions(String directory) {
        CommandResult listed = host.run(Command.of("find", directory, "-mindepth", "1", "-maxdepth", "1", "-type", "f",
                "-printf", "%s %T@ %f\\n"));
        if (!listed.succeeded()) {
            return List.of();
        }
        return listed.stdout().lines().map(line -> line.split(" ", 3)).filter(fields -> fields.length == 3)
                .filter(fields -> BINLOG_NAME.matcher(fields[2]).matches())
                .sorted(Comparator.comparingLong(fields -> number(fields[2])))
                .map(fields -> new FileVersion(directory + "/" + fields[2], Long.parseLong(fields[0]), fields[1]))
                .toList();
    }

    private Optional<ArchivedFile> header(FileVersion version) {
        FileReading known = read.get(version);
        if (known != null) {
            return known.header();
        }
        List<String> header = print(version.path(), Optional.of(HEADER_BYTES));
        Optional<LocalDateTime> first = header.stream().map(this::eventTime).flatMap(Optional::stream).findFirst();
        Optional<ArchivedFile> file = first.map(time -> new ArchivedFile(version.path(),
                number(version.path().substring(version.path().lastIndexOf('/') + 1)),
                header.stream().map(GTID_LIST::matcher).filter(Matcher::find).findFirst()
                        .map(list -> new GtidPosition(list.group(1).replace(" ", ""))).orElse(new GtidPosition("")),
                time));
        read.put(version, new FileReading(file, Optional.empty()));
        return file;
    }

    private LocalDateTime lastEvent(FileVersion version) {
        FileReading known = read.get(version);
        if (known != null && known.lastEvent().isPresent()) {
            return known.lastEvent().get();
        }
        LocalDateTime last = print(version.path(), Optional.empty()).stream().map(this::eventTime)
                .flatMap(Optional::stream).reduce((a, b) -> b).orElse(null);
        if (last != null) {
            read.merge(version, new FileReading(Optional.empty(), Optional.of(last)),
                    (before, now) -> new FileReading(before.header(), now.lastEvent()));
        }
        return last;
    }

    /**
     * mariadb-binlog's text of a file, up to an offset if given, times in the manager's zone. The
     * last file may end in an event still being written: what precedes it is kept.
     */
    private List<String> print(String file, Optional<String> stopPosition) {
        List<String> argv = new ArrayList<>(List.of("env", timeZoneVariable(), binlogProgram, "--no-defaults",
                "--base64-output=decode-rows"));
        stopPosition.ifPresent(position -> argv.add("--stop-position=" + position));
        argv.add(file);
        CommandResult printed = host.run(new Command(argv, null, Command.DEFAULT_TIMEOUT.multipliedBy(10)));
        if (!printed.succeeded() && printed.stdout().isBlank()) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, host.address() + ": mariadb-binlog "
                    + file + ": " + tail(printed.stderr()));
        }
        return printed.stdout().lines().toList();
    }

    private Optional<LocalDateTime> eventTime(String line) {
        Matcher event = EVENT.matcher(line);
        if (!event.matches()) {
            return Optional.empty();
        }
        return Optional.of(LocalDateTime.of(2000 + Integer.parseInt(event.group(1)), Integer.parseInt(event.group(2)),
                Integer.parseInt(event.group(3)), Integer.parseInt(event.group(4)), Integer.parseInt(event.group(5)),
                Integer.parseInt(event.group(6))));
    }

    private List<String> subdirectories(String directory) {
        CommandResult listed = host.run(Command.of("find", directory, "-mindepth", "1", "-maxdepth", "1", "-type", "d",
                "-printf", "%f\\n"));
        return listed.succeeded() ? listed.stdout().lines().sorted().toList() : List.of();
    }

    static long number(String fileName) {
        Matcher name = BINLOG_NAME.matcher(fileName);
        return name.matches() ? Long.parseLong(name.group(1)) : -1;
    }

    /** The last lines of a command's error output, for messages. */
    static String tail(String text) {
        List<String> lines = text.strip().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    }
}
