package io.kunlun.testkit.ssh;

import io.kunlun.core.hosts.HostAccess;
import io.kunlun.core.hosts.LocalHost;

class LocalHostContractTest extends HostAccessContract {
    private static final LocalHost HOST = new LocalHost("127.0.0.20");

    @Override
    protected HostAccess host() {
        return HOST;
    }
}
