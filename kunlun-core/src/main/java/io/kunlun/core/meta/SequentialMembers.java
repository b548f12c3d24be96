package io.kunlun.core.meta;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * The connections of a {@code jdbc:mariadb:sequential://a,b,c/db} store, each made to one
 * member: the first in the URL's order that answers, after the members that just did not,
 * which are passed over for {@link #SKIPPED_FOR}. The driver's own sequential mode moves on from
 * a member that refuses or resets the connection, but a member that accepts it and never answers
 * the handshake (a paused server, a machine cut off without a reset) ends the driver's search
 * with its connect timeout (an SQLTimeoutException): every new connection would wait for that
 * member and fail, and the pools could not move to the next one.
 */
final class SequentialMembers extends StoreConnections.Unwrapping {
    /** As long as the driver passes over a member it could not reach (its deniedListTimeout). */
    static final Duration SKIPPED_FOR = Duration.ofSeconds(60);
    private static final Pattern SEQUENTIAL = Pattern.compile("(?i)jdbc:mariadb:sequential://([^/?]+)(.*)");

    private final List<DataSource> members;
    private final LongSupplier nanoTime;
    /** Per member, the System.nanoTime until which it is tried last. */
    private final long[] skippedUntil;

    SequentialMembers(List<DataSource> members, LongSupplier nanoTime) {
        this.members = List.copyOf(members);
        this.nanoTime = nanoTime;
        this.skippedUntil = new long[members.size()];
        Arrays.fill(skippedUntil, nanoTime.getAsLong());
    }

    /**
     * The URL's members, each as a URL of its own with the same database and options; empty for
     * a URL that is not a sequential one.
     */
    static List<String> memberUrls(String jdbcUrl) {
        Matcher url = SEQUENTIAL.matcher(jdbcUrl);
        if (!url.matches()) {
            return List.of();
        }
        return Arrays.stream(url.group(1).split(",")).map(member -> "jdbc:mariadb://" + member.strip() + url.group(2))
                .toList();
    }

    @Override
    public Connection getConnection() throws SQLException {
        SQLException unreachable = null;
        for (int member : order()) {
            try {
                return members.get(member).getConnection();
            } catch (SQLException e) {
                if (!(e instanceof SQLTimeoutException || RetryOnTransientFailure.lostConnection(e))) {
                    throw e;
                }
                skip(member);
                if (unreachable == null) {
                    unreachable = e;
                } else {
                    unreachable.addSuppressed(e);
                }
            }
        }
        throw unreachable;
    }

    /** The members in the URL's order, those passed over last, the one passed over longest ago first. */
    private synchronized List<Integer> order() {
        long now = nanoTime.getAsLong();
        return IntStream.range(0, members.size()).boxed()
                .sorted(Comparator.comparingLong(member -> Math.max(0, skippedUntil[member] - now)))
                .toList();
    }

    private synchronized void skip(int member) {
        skippedUntil[member] = nanoTime.getAsLong() + SKIPPED_FOR.toNanos();
    }
}
