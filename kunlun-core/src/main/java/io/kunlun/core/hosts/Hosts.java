package io.kunlun.core.hosts;

import io.kunlun.core.config.ManagerConfig.SshConfig;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access to every machine by hostaddr: one reused connection per machine. Loopback addresses are
 * this machine, unless the SSH configuration names them explicitly.
 */
public final class Hosts implements AutoCloseable {
    private final SshConfig ssh;
    private final Map<String, HostAccess> open = new ConcurrentHashMap<>();

    public Hosts(SshConfig ssh) {
        this.ssh = ssh;
    }

    public HostAccess get(String hostaddr) {
        return open.computeIfAbsent(hostaddr, this::connect);
    }

    private HostAccess connect(String hostaddr) {
        if (isLocal(hostaddr) && !ssh.hosts().containsKey(hostaddr)) {
            return new LocalHost(hostaddr);
        }
        return new SshHost(hostaddr, ssh);
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
        HostAccess host = open.remove(hostaddr);
        if (host != null) {
            host.close();
        }
    }

    @Override
    public void close() {
        open.values().forEach(HostAccess::close);
        open.clear();
    }
}
