package io.kunlun.core.backup.binlog;

import io.kunlun.core.hosts.LocalHost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the archive reads of its files with mariadb-binlog, here a stand-in that prints the file
 * (the files hold the text mariadb-binlog would print) and logs each call: list_backups asks for
 * every shard's span on each call, and a file is read again only when it changed.
 */
class BinlogArchiveReadingTest {
    @TempDir
    Path root;

    @Test
    void aFileReadBeforeIsNotReadAgainWhileItIsUnchanged() throws IOException {
        BinlogArchive archive = archive();
        twoFiles();

        assertThat(archive.interval("c1", "shard1")).contains(new BinlogArchive.Interval(at("09:00:00"), at("09:30:00")));
        assertThat(calls()).as("both headers and the newest file in full").hasSize(3);
        assertThat(archive.interval("c1", "shard1")).contains(new BinlogArchive.Interval(at("09:00:00"), at("09:30:00")));
        assertThat(calls()).as("nothing read again").hasSize(3);
    }

    @Test
    void theNewestFileIsReadAgainWhenItGrew() throws IOException {
        BinlogArchive archive = archive();
        Path source = twoFiles();
        archive.interval("c1", "shard1");

        Files.writeString(source.resolve("binlog.000002"), event("09:45:00"), StandardOpenOption.APPEND);

        assertThat(archive.interval("c1", "shard1")).contains(new BinlogArchive.Interval(at("09:00:00"), at("09:45:00")));
        assertThat(calls().subList(3, calls().size())).as("only the grown file, its header and in full")
                .hasSize(2).allMatch(call -> call.endsWith("binlog.000002"));
    }

    /** One server's two files: 09:00 to 09:10, then 09:20 to 09:30. */
    private Path twoFiles() throws IOException {
        Path source = Files.createDirectories(root.resolve("c1/binlog/shard1/127.0.0.9_3306"));
        Files.writeString(source.resolve("binlog.000001"), events("0-1-0", "09:00:00", "09:10:00"));
        Files.writeString(source.resolve("binlog.000002"), events("0-1-7", "09:20:00", "09:30:00"));
        return source;
    }

    private BinlogArchive archive() throws IOException {
        Path program = root.resolve("mariadb-binlog");
        Files.writeString(program, "#!/bin/sh\nfor last; do :; done\necho \"$last\" >> " + root.resolve("calls")
                + "\ncat \"$last\"\n");
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwx------"));
        return new BinlogArchive(new LocalHost("127.0.0.1"), root.toString(), program.toString(), ZoneOffset.UTC);
    }

    private List<String> calls() throws IOException {
        Path calls = root.resolve("calls");
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    /** What mariadb-binlog prints of a file: its GTID list event, then its events' headers. */
    private static String events(String gtidList, String... times) {
        StringBuilder text = new StringBuilder("#261202  " + times[0] + " server id 1  end_log_pos 256\tGtid list ["
                + gtidList + "]\n");
        for (String time : times) {
            text.append(event(time));
        }
        return text.toString();
    }

    private static String event(String time) {
        return "#261202  " + time + " server id 1  end_log_pos 400 CRC32 0x00000000\tQuery\n";
    }

    private static LocalDateTime at(String time) {
        return LocalDateTime.parse("2026-12-02T" + time);
    }
}
