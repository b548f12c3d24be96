package io.kunlun.core.meta;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A sequential store's connections go to the first member that answers, passing over for a
 * while the members that did not, which the driver itself does for a refused connection but not
 * for an unanswered handshake.
 */
class SequentialMembersTest {
    private final AtomicLong now = new AtomicLong(-5_000_000_000L);
    private final List<String> asked = new ArrayList<>();

    @Test
    void aMemberThatDoesNotAnswerTheHandshakeIsPassedOverForTheNext() throws SQLException {
        SequentialMembers members = members(new SQLTimeoutException("Socket timeout when connecting to a:1"), null, null);

        members.getConnection();

        assertThat(asked).containsExactly("a", "b");
    }

    @Test
    void aMemberPassedOverIsTriedLastUntilItsTimeIsUp() throws SQLException {
        SequentialMembers members = members(new SQLNonTransientConnectionException("Connection refused", "08000"),
                null, null);
        members.getConnection();
        asked.clear();

        members.getConnection();
        now.addAndGet(SequentialMembers.SKIPPED_FOR.toNanos() - 1);
        members.getConnection();
        now.addAndGet(1);
        members.getConnection();

        assertThat(asked).containsExactly("b", "b", "a", "b");
    }

    @Test
    void whenNoMemberAnswersTheFirstOnesFailureIsThrownWithTheOthers() {
        SQLTimeoutException first = new SQLTimeoutException("Socket timeout when connecting to a:1");
        SQLNonTransientConnectionException second = new SQLNonTransientConnectionException("refused b", "08000");
        SQLNonTransientConnectionException third = new SQLNonTransientConnectionException("refused c", "08000");

        assertThatThrownBy(() -> members(first, second, third).getConnection()).isSameAs(first);
        assertThat(first.getSuppressed()).containsExactly(second, third);
    }

    @Test
    void aRefusedLoginIsNotPassedOver() {
        SQLInvalidAuthorizationSpecException refused = new SQLInvalidAuthorizationSpecException("Access denied", "28000");

        assertThatThrownBy(() -> members(refused, null, null).getConnection()).isSameAs(refused);
        assertThat(asked).containsExactly("a");
    }

    @Test
    void aSequentialUrlIsSplitIntoOneUrlPerMemberWithItsDatabaseAndOptions() {
        assertThat(SequentialMembers.memberUrls("jdbc:mariadb:sequential://a:1,b:2/kunlun_meta?socketTimeout=3000"))
                .containsExactly("jdbc:mariadb://a:1/kunlun_meta?socketTimeout=3000",
                        "jdbc:mariadb://b:2/kunlun_meta?socketTimeout=3000");
        assertThat(SequentialMembers.memberUrls("jdbc:mariadb://a:1/kunlun_meta")).isEmpty();
    }

    /** Members a, b and c, each failing with its exception or, for null, connecting. */
    private SequentialMembers members(SQLException a, SQLException b, SQLException c) {
        return new SequentialMembers(List.of(member("a", a), member("b", b), member("c", c)), now::get);
    }

    private StoreConnections.Unwrapping member(String name, SQLException failure) {
        return new StoreConnections.Unwrapping() {
            @Override
            public Connection getConnection() throws SQLException {
                asked.add(name);
                if (failure != null) {
                    throw failure;
                }
                return null;
            }
        };
    }
}
