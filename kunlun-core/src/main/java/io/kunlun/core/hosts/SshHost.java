package io.kunlun.core.hosts;

import io.kunlun.core.ManagerException;
import io.kunlun.core.config.ManagerConfig.SshConfig;

/** A machine reached over SSH (placeholder until the SSH transport lands). */
public final class SshHost implements HostAccess {
    private final String address;

    public SshHost(String address, SshConfig config) {
        this.address = address;
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public CommandResult run(Command command) {
        throw new ManagerException(ManagerException.Code.HOST_UNREACHABLE, address + ": ssh is not available yet");
    }

    @Override
    public void close() {
    }
}
