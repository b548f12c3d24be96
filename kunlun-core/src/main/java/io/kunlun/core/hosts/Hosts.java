package io.kunlun.core.hosts;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig.SshConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Access to every machine by hostaddr: one reused connection per machine. Loopback addresses are
 * this machine, unless the SSH configuration names them explicitly. Access to an address that is
 * not a registered machine (one a create_machine checked, say) is closed and dropped once it has
 * not been asked for in {@link #UNUSED_FOR}, so that the cache holds registered machines and
 * what is in use, not every address ever sent; a deleted machine is dropped by {@link #forget}.
 */
public final class Hosts implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Hosts.class);
    /** How long access to an unregistered address is kept after it was last asked for. */
    static final Duration UNUSED_FOR = Duration.ofMinutes(10);
    /** How often {@link #get} looks for access to drop. */
    static final Duration SWEEP_EVERY = Duration.ofMinutes(1);

    private final SshConfig ssh;
    private final Supplier<Set<String>> registered;
    private final LongSupplier nanoTime;
    private final Map<String, Cached> open = new ConcurrentHashMap<>();
    private volatile long lastSweep;
    /** Why no command may run now, if anything may say so (see {@link Refusing}). */
    private final Supplier<Optional<String>> refusal;

    /** An access and when it was last asked for (System.nanoTime). */
    private record Cached(HostAccess access, long lastAsked) {
    }

    /** Access that is never dropped for want of use: for tools and tests without metadata. */
    public Hosts(SshConfig ssh) {
        this(ssh, null, System::nanoTime);
    }

    /** {@code registered} answers the hostaddrs of the registered machines, whose access is kept. */
    public Hosts(SshConfig ssh, Supplier<Set<String>> registered) {
        this(ssh, registered, null, System::nanoTime);
    }

    /**
     * As above, and every command on any machine is refused (with a {@code NOT_LEASE_HOLDER}
     * ManagerException saying why) while {@code refusal} answers a reason: a manager that lost
     * the metadata store's lease leaves the machines to the manager that holds it.
     */
    public Hosts(SshConfig ssh, Supplier<Set<String>> registered, Supplier<Optional<String>> refusal) {
        this(ssh, registered, refusal, System::nanoTime);
    }

    Hosts(SshConfig ssh, Supplier<Set<String>> registered, LongSupplier nanoTime) {
        this(ssh, registered, null, nanoTime);
    }

    private Hosts(SshConfig ssh, Supplier<Set<String>> registered, Supplier<Optional<String>> refusal,
                  LongSupplier nanoTime) {
        this.ssh = ssh;
        this.registered = registered;
        this.refusal = refusal;
        this.nanoTime = nanoTime;
        this.lastSweep = nanoTime.getAsLong();
    }

    public HostAccess get(String hostaddr) {
        long now = nanoTime.getAsLong();
        if (registered != null && now - lastSweep >= SWEEP_EVERY.toNanos()) {
            lastSweep = now;
            dropUnused(now);
        }
        return open.compute(hostaddr, (address, cached) ->
                new Cached(cached == null ? connect(address) : cached.access(), now)).access();
    }

    /** Closes and drops access to unregistered addresses not asked for in {@link #UNUSED_FOR}. */
    private void dropUnused(long now) {
        Set<String> kept;
        try {
            kept = registered.get();
        } catch (RuntimeException e) {
            LOG.warn("cannot read the registered machines; host access is not pruned this time", e);
            return;
        }
        open.forEach((hostaddr, cached) -> {
            if (!kept.contains(hostaddr) && now - cached.lastAsked() >= UNUSED_FOR.toNanos()
                    && open.remove(hostaddr, cached)) {
                cached.access().close();
            }
        });
    }

    private HostAccess connect(String hostaddr) {
        HostAccess access = isLocal(hostaddr) && !ssh.hosts().containsKey(hostaddr)
                ? new LocalHost(hostaddr) : new SshHost(hostaddr, ssh);
        return refusal == null ? access : new Refusing(access);
    }

    /** A machine's access that runs nothing while the manager must not act. */
    private final class Refusing implements HostAccess {
        private final HostAccess access;

        Refusing(HostAccess access) {
            this.access = access;
        }

        @Override
        public String address() {
            return access.address();
        }

        @Override
        public CommandResult run(Command command) {
            refusal.get().ifPresent(reason -> {
                throw new ManagerException(ManagerException.Code.NOT_LEASE_HOLDER, address() + ": " + reason);
            });
            return access.run(command);
        }

        @Override
        public void close() {
            access.close();
        }
    }

    /** 127.0.0.0/8 and localhost are this machine. */
    public static boolean isLocal(String hostaddr) {
        if (hostaddr.equals("localhost")) {
            return true;
        }
        if (!hostaddr.matches("[0-9.]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(hostaddr).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Drops a cached connection, e.g. after the machine was deleted. */
    public void forget(String hostaddr) {
        Cached cached = open.remove(hostaddr);
        if (cached != null) {
            cached.access().close();
        }
    }

    /** How many machines have access cached. */
    int cached() {
        return open.size();
    }

    @Override
    public void close() {
        open.values().forEach(cached -> cached.access().close());
        open.clear();
    }
}
