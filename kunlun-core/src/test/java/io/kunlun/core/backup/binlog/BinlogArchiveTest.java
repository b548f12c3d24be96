package io.kunlun.core.backup.binlog;

import io.kunlun.core.engines.GtidPosition;
import io.kunlun.core.hosts.LocalHost;
import org.junit.jupiter.api.Test;

import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** The archive's reading rules that need no server: GTID order and the zone mariadb-binlog reads times in. */
class BinlogArchiveTest {
    @Test
    void aStateIsNotAfterAPositionWhenEveryDomainOfItIsAtOrBefore() {
        assertThat(BinlogArchive.notAfter(new GtidPosition("0-1-5"), new GtidPosition("0-1-5"))).isTrue();
        assertThat(BinlogArchive.notAfter(new GtidPosition("0-1-5"), new GtidPosition("0-2-9,1-1-1"))).isTrue();
        assertThat(BinlogArchive.notAfter(new GtidPosition("0-1-6"), new GtidPosition("0-1-5"))).isFalse();
        assertThat(BinlogArchive.notAfter(new GtidPosition("1-1-1"), new GtidPosition("0-1-5")))
                .as("a domain the position lacks").isFalse();
        assertThat(BinlogArchive.notAfter(new GtidPosition(""), new GtidPosition(""))).isTrue();
    }

    @Test
    void theZoneIsARegionByNameOrAFixedOffsetInPosixForm() {
        assertThat(archiveIn(ZoneId.of("Europe/Berlin")).timeZoneVariable()).isEqualTo("TZ=Europe/Berlin");
        assertThat(archiveIn(ZoneOffset.ofHours(2)).timeZoneVariable()).isEqualTo("TZ=UTC-02:00:00");
        assertThat(archiveIn(ZoneOffset.ofHoursMinutes(-5, -30)).timeZoneVariable()).isEqualTo("TZ=UTC+05:30:00");
        assertThat(archiveIn(ZoneOffset.UTC).timeZoneVariable()).isEqualTo("TZ=UTC+00:00:00");
    }

    @Test
    void binlogFilesAreNumberedByTheirSuffix() {
        assertThat(BinlogArchive.number("binlog.000012")).isEqualTo(12);
        assertThat(BinlogArchive.number("archiver.log")).isEqualTo(-1);
    }

    private static BinlogArchive archiveIn(ZoneId zone) {
        return new BinlogArchive(new LocalHost("127.0.0.1"), "/srv/backups", "mariadb-binlog", zone);
    }
}
