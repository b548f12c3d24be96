package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GtidPositionTest {
    @Test
    void theLastSequenceOfEachDomainCounts() {
        GtidPosition position = new GtidPosition("0-17-1042,1-17-3");

        assertThat(position.sequences()).isEqualTo(Map.of(0L, 1042L, 1L, 3L));
        assertThat(position.transactions()).isEqualTo(1045);
    }

    @Test
    void aServerThatWroteNothingHasAnEmptyPosition() {
        assertThat(new GtidPosition(null).transactions()).isZero();
        assertThat(new GtidPosition("").text()).isEmpty();
    }

    @Test
    void anythingElseIsNotAPosition() {
        assertThatThrownBy(() -> new GtidPosition("0-1-5'; DROP"))
                .isInstanceOf(ManagerException.class)
                .hasMessage("not a GTID position: \"0-1-5'; DROP\"");
    }

    @Test
    void theFurthestOfPositionsTakesEachDomainsHighestSequenceWithItsServer() {
        assertThat(GtidPosition.furthest(List.of(new GtidPosition("0-17-1042,1-17-3"),
                new GtidPosition("0-4-1050"), new GtidPosition(""))).text()).isEqualTo("0-4-1050,1-17-3");
    }

    @Test
    void oneBeyondIsTheNextSequenceInEveryDomainAndNothingBeyondNothing() {
        assertThat(new GtidPosition("0-4-1050,1-17-3").beyond().text()).isEqualTo("0-4-1051,1-17-4");
        assertThat(new GtidPosition("").beyond().text()).isEmpty();
    }
}
