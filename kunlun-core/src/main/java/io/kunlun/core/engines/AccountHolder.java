package io.kunlun.core.engines;

import io.kunlun.core.hosts.HostAccess;

/**
 * Something the manager runs on a machine as an operating-system account: an instance, or an
 * exporter (which runs as its instance's account). {@code account} is empty for the configured
 * shared account.
 */
public interface AccountHolder {
    HostAccess host();

    String account();
}
