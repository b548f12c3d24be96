package io.kunlun.testkit;

import io.kunlun.core.ClusterManager;
import io.kunlun.core.config.ManagerConfig;
import io.kunlun.core.ops.instances.OsAccounts;
import io.kunlun.server.KunlunServer;
import io.kunlun.server.ServerOptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A manager on a temporary home with its HTTP API on 127.0.0.1 and a free port, in this JVM,
 * planning instance ports from this JVM's own bases ({@link TestPorts}).
 *
 * <p>As a JUnit 5 extension: a static field starts it once for the class, an instance field once
 * per test; test methods may also take a {@code TestManager} or {@link ApiClient} parameter.
 * <pre>{@code @RegisterExtension static TestManager manager = TestManager.create();}</pre>
 * As a plain resource: {@code try (TestManager manager = TestManager.create().start()) {...}}.
 * Closing stops the server and the manager and deletes the home.
 */
public final class TestManager implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback, ParameterResolver, AutoCloseable {
    private static final String LOOPBACK = "127.0.0.1";

    private final Optional<String> accessToken;
    private final UnaryOperator<ManagerConfig> configure;
    private Path home;
    private KunlunServer server;
    private ClusterManager manager;
    private ApiClient client;
    private boolean startedForOneTest;

    private TestManager(Optional<String> accessToken, UnaryOperator<ManagerConfig> configure) {
        this.accessToken = accessToken;
        this.configure = configure;
    }

    /** A manager with the default configuration and no access token. */
    public static TestManager create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Choices made before the manager starts. */
    public static final class Builder {
        private Optional<String> accessToken = Optional.empty();
        private UnaryOperator<ManagerConfig> configure = UnaryOperator.identity();

        private Builder() {
        }

        /** Requests then need {@code Authorization: Bearer <token>}; {@link #client()} sends it. */
        public Builder accessToken(String token) {
            this.accessToken = Optional.of(token);
            return this;
        }

        /**
         * Adjusts the manager's configuration (SSH settings, say); home and address are the
         * testkit's. Engine settings it replaces start from the configuration's {@code engines()}
         * or {@link TestPorts#engines()}, which carry this JVM's port bases.
         */
        public Builder configure(UnaryOperator<ManagerConfig> change) {
            this.configure = change;
            return this;
        }

        public TestManager build() {
            return new TestManager(accessToken, configure);
        }
    }

    /** Starts the manager and its server; answers this manager. */
    public synchronized TestManager start() {
        if (manager != null) {
            throw new IllegalStateException("the manager on " + home + " is already started");
        }
        Path newHome = TempDirs.create("kunlun-manager-");
        KunlunServer newServer = KunlunServer.listen(new ServerOptions(LOOPBACK, 0, accessToken, false));
        try {
            ManagerConfig config = configure.apply(TestPorts.managerConfig(newHome))
                    .withHome(newHome)
                    .withAdvertised(LOOPBACK, newServer.port());
            TestPorts.requireOwnBases(config);
            manager = ClusterManager.open(config);
        } catch (RuntimeException e) {
            newServer.close();
            deleteQuietly(newHome, e);
            throw e;
        }
        newServer.serve(manager);
        home = newHome;
        server = newServer;
        ApiClient anonymous = ApiClient.to(uri());
        client = accessToken.map(anonymous::withAccessToken).orElse(anonymous);
        return this;
    }

    /** The operating-system account this manager runs (or would run) the cluster's instances as. */
    public String osAccount(String clusterName) {
        return OsAccounts.nameFor(manager().installation(), clusterName);
    }

    /** The manager's home directory (metadata store, logs). */
    public synchronized Path home() {
        requireStarted();
        return home;
    }

    public synchronized int port() {
        requireStarted();
        return server.port();
    }

    /** {@code http://127.0.0.1:<port>/} */
    public URI uri() {
        return URI.create("http://" + LOOPBACK + ":" + port() + "/");
    }

    /** The core behind the server, for checks that HTTP does not show (exact times, say). */
    public synchronized ClusterManager manager() {
        requireStarted();
        return manager;
    }

    /** A client of this manager's API, sending the access token when one is configured. */
    public synchronized ApiClient client() {
        requireStarted();
        return client;
    }

    /** {@link ApiClient#post(String)} on {@link #client()}. */
    public Reply post(String rawJson) {
        return client().post(rawJson);
    }

    /** {@link ApiClient#post(byte[], String)} on {@link #client()}. */
    public Reply post(byte[] body, String contentType) {
        return client().post(body, contentType);
    }

    /** {@link ApiClient#submitAndAwait(String)} on {@link #client()}. */
    public Reply submitAndAwait(String json) {
        return client().submitAndAwait(json);
    }

    private void requireStarted() {
        if (manager == null) {
            throw new IllegalStateException("the TestManager is not started: register it with @RegisterExtension"
                    + " or call start()");
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public synchronized void beforeEach(ExtensionContext context) {
        if (manager == null) {
            start();
            startedForOneTest = true;
        }
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) {
        if (startedForOneTest) {
            startedForOneTest = false;
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == TestManager.class || type == ApiClient.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestManager.class ? this : client();
    }

    /**
     * Stops the server, then the manager, deletes the operating-system accounts it left (killing
     * what still runs as them: the instances of clusters the test did not delete) and the home.
     */
    @Override
    public synchronized void close() {
        if (manager == null) {
            return;
        }
        List<String> accounts = leftAccounts();
        try {
            server.close();
            manager.close();
        } finally {
            LeftOsAccounts.delete(accounts);
            manager = null;
            server = null;
            client = null;
            Path oldHome = home;
            home = null;
            try {
                TempDirs.delete(oldHome);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the manager's home " + oldHome, e);
            }
        }
    }

    /** The accounts the manager did not delete; none known when its store no longer answers. */
    private List<String> leftAccounts() {
        try {
            return manager.osAccounts();
        } catch (RuntimeException storeGone) {
            return List.of();
        }
    }

    private static void deleteQuietly(Path dir, Exception cause) {
        try {
            TempDirs.delete(dir);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public String toString() {
        return manager == null ? "TestManager (not started)" : "TestManager on " + uri() + ", home " + home;
    }
}
