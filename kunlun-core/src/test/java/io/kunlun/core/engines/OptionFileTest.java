package io.kunlun.core.engines;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OptionFileTest {
    private static final String CNF = "# node\n[mysqld]\ndatadir = /d\nmax-connections = 100\n[sst]\nsst-log-archive = 0\n";

    @Test
    void anOptionSetAlreadyIsReplacedInPlaceWhicheverWayItsNameIsSpelt() {
        assertThat(OptionFile.withSetting(CNF, "mysqld", "max_connections", "300"))
                .isEqualTo("# node\n[mysqld]\ndatadir = /d\nmax_connections = 300\n[sst]\nsst-log-archive = 0\n");
    }

    @Test
    void aNewOptionGoesAtTheEndOfItsSectionNotIntoTheNextOne() {
        assertThat(OptionFile.withSetting(CNF, "mysqld", "wait_timeout", "60"))
                .isEqualTo("# node\n[mysqld]\ndatadir = /d\nmax-connections = 100\nwait_timeout = 60\n[sst]\n"
                        + "sst-log-archive = 0\n");
    }

    @Test
    void aMissingSectionIsAddedAtTheEnd() {
        assertThat(OptionFile.withSetting("[client]\nport = 1\n", "mysqld", "wait_timeout", "60"))
                .isEqualTo("[client]\nport = 1\n[mysqld]\nwait_timeout = 60\n");
    }

    @Test
    void commentsMentioningTheOptionAreKept() {
        assertThat(OptionFile.withSetting("[mysqld]\n# max_connections = 1\n", "mysqld", "max_connections", "5"))
                .isEqualTo("[mysqld]\n# max_connections = 1\nmax_connections = 5\n");
    }
}
