package io.kunlun.core.meta;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.IMetricsTracker;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import com.zaxxer.hikari.metrics.PoolStats;
import com.zaxxer.hikari.pool.HikariPool;
import io.kunlun.core.config.ManagerConfig.MetadataConfig;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The metadata store's connections: two HikariCP pools on one database. The manager's own work
 * (jobs, health rounds, recovery, the lease) takes connections from one; API requests, marked by
 * {@link #servingRequest}, from the other, which waits for a free connection only briefly. A
 * burst of requests thus fails fast on its own pool and never delays a job or a health round.
 *
 * <p>Every physical connection is made through {@link TrackedDataSource}, which tells
 * {@link StoreAvailability} whether the store could be reached.
 */
final class StoreConnections implements AutoCloseable {
    private final StoreAvailability availability;
    private final PoolWatch managerWatch;
    private final PoolWatch requestWatch;
    private final HikariDataSource managerPool;
    private final HikariDataSource requestPool;
    private final ThreadLocal<Boolean> servingRequest = ThreadLocal.withInitial(() -> false);

    private StoreConnections(StoreAvailability availability, PoolWatch managerWatch, HikariDataSource managerPool,
                             PoolWatch requestWatch, HikariDataSource requestPool) {
        this.availability = availability;
        this.managerWatch = managerWatch;
        this.managerPool = managerPool;
        this.requestWatch = requestWatch;
        this.requestPool = requestPool;
    }

    /**
     * Opens both pools on {@code physical}, each trying one connection at once: a store that
     * cannot be reached, or refuses the credentials, fails here with the database's own
     * exception (not after a wait).
     */
    static StoreConnections open(MetadataConfig config, DataSource physical, String location) throws SQLException {
        StoreAvailability availability = new StoreAvailability(location);
        TrackedDataSource tracked = new TrackedDataSource(physical, availability);
        PoolWatch managerWatch = new PoolWatch("manager");
        HikariDataSource manager = pool(tracked, managerWatch, config.managerConnections(),
                Duration.ofSeconds(config.managerWaitSeconds()), config);
        PoolWatch requestWatch = new PoolWatch("requests");
        try {
            HikariDataSource requests = pool(tracked, requestWatch, config.requestConnections(),
                    Duration.ofMillis(config.requestWaitMillis()), config);
            return new StoreConnections(availability, managerWatch, manager, requestWatch, requests);
        } catch (SQLException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static HikariDataSource pool(DataSource tracked, PoolWatch watch, int size, Duration wait,
                                         MetadataConfig config) throws SQLException {
        HikariConfig pool = new HikariConfig();
        pool.setPoolName("kunlun-metadata-" + watch.name);
        pool.setDataSource(tracked);
        pool.setMaximumPoolSize(size);
        pool.setMinimumIdle(Math.min(2, size));
        pool.setConnectionTimeout(wait.toMillis());
        // A borrowed connection idle for a while is checked with Connection.isValid first.
        pool.setValidationTimeout(Math.min(1000, wait.toMillis()));
        pool.setLeakDetectionThreshold(Duration.ofSeconds(config.leakDetectionSeconds()).toMillis());
        // One attempt at start: a store that is down or refuses the login stops start-up now.
        pool.setInitializationFailTimeout(1);
        pool.setMetricsTrackerFactory(watch);
        try {
            return new HikariDataSource(pool);
        } catch (HikariPool.PoolInitializationException e) {
            if (e.getCause() instanceof SQLException cause) {
                throw cause;
            }
            throw new SQLException(e.getMessage(), e);
        }
    }

    /** The data source the tables use: the request pool inside {@link #servingRequest}, else the manager's. */
    DataSource dataSource() {
        return new RoutingDataSource();
    }

    /** Whether the current thread is serving an API request (inside {@link #servingRequest}). */
    boolean isServingRequest() {
        return servingRequest.get();
    }

    /** Runs {@code work} with the connections of the request pool: the API's requests. */
    <T> T servingRequest(Supplier<T> work) {
        boolean outer = servingRequest.get();
        servingRequest.set(true);
        try {
            return work.get();
        } finally {
            servingRequest.set(outer);
        }
    }

    /** Whether the calling thread is serving an API request. */
    boolean servingRequest() {
        return servingRequest.get();
    }

    boolean up() {
        return availability.up();
    }

    long outages() {
        return availability.outages();
    }

    List<StoreStatus.Pool> pools() {
        return List.of(managerWatch.snapshot(), requestWatch.snapshot());
    }

    @Override
    public void close() {
        requestPool.close();
        managerPool.close();
    }

    private Connection borrow() throws SQLException {
        boolean request = servingRequest.get();
        HikariDataSource pool = request ? requestPool : managerPool;
        if (pool.isClosed()) {
            // Work after close is the caller's mistake, not a failure of the store.
            throw new IllegalStateException("the metadata store " + availability.location() + " is closed");
        }
        try {
            return pool.getConnection();
        } catch (SQLTransientConnectionException e) {
            // Hikari's own message names neither the store's state nor the pool's size.
            String kind = request ? "request" : "manager";
            int inUse = pool.getHikariPoolMXBean().getActiveConnections();
            // A pool that lost its connections in an outage makes new ones in the background: not
            // all in use, but not there yet.
            StoreUnavailableException explained = new StoreUnavailableException(!availability.up()
                    ? "unreachable: " + availability.reason().orElse(e.getMessage())
                    : inUse >= pool.getMaximumPoolSize()
                            ? "busy: no connection came free within " + pool.getConnectionTimeout() + " ms (all "
                                    + pool.getMaximumPoolSize() + " " + kind + " connections are in use); try again"
                            : "reconnecting: no connection was made again within " + pool.getConnectionTimeout()
                                    + " ms (" + inUse + " of " + pool.getMaximumPoolSize() + " " + kind
                                    + " connections in use); try again");
            explained.addSuppressed(e);
            throw explained;
        }
    }

    /** What Jdbi sees: a connection from the pool that fits the calling thread. */
    private final class RoutingDataSource extends Unwrapping {
        @Override
        public Connection getConnection() throws SQLException {
            return borrow();
        }
    }

    /** Makes the physical connections for both pools, reporting each success and failure. */
    private static final class TrackedDataSource extends Unwrapping {
        private final DataSource physical;
        private final StoreAvailability availability;

        TrackedDataSource(DataSource physical, StoreAvailability availability) {
            this.physical = physical;
            this.availability = availability;
        }

        @Override
        public Connection getConnection() throws SQLException {
            try {
                Connection connection = physical.getConnection();
                availability.connected();
                return connection;
            } catch (SQLException | RuntimeException e) {
                availability.failed(e);
                throw e;
            }
        }

        /** Ignored: the physical data source has the store's own connect timeout, not the pool's wait. */
        @Override
        public void setLoginTimeout(int seconds) {
        }
    }

    /** A pool's statistics and timeouts, as HikariCP reports them. */
    private static final class PoolWatch implements MetricsTrackerFactory, IMetricsTracker {
        private final String name;
        private final LongAdder timeouts = new LongAdder();
        private volatile PoolStats stats;

        PoolWatch(String name) {
            this.name = name;
        }

        @Override
        public IMetricsTracker create(String poolName, PoolStats poolStats) {
            this.stats = poolStats;
            return this;
        }

        @Override
        public void recordConnectionTimeout() {
            timeouts.increment();
        }

        StoreStatus.Pool snapshot() {
            PoolStats now = stats;
            return now == null ? new StoreStatus.Pool(name, 0, 0, 0, 0, timeouts.sum())
                    : new StoreStatus.Pool(name, now.getActiveConnections(), now.getIdleConnections(),
                            now.getPendingThreads(), now.getMaxConnections(), timeouts.sum());
        }
    }

    /** The parts of DataSource that the store's own data sources do not use. */
    abstract static class Unwrapping implements DataSource {
        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            throw new SQLFeatureNotSupportedException("the metadata store's credentials are its configuration's");
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
