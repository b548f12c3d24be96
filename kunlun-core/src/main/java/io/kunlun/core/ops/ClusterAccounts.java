package io.kunlun.core.ops;

import io.kunlun.core.engines.ClusterUsers;
import io.kunlun.core.engines.Credential;
import io.kunlun.core.hosts.Hosts;
import io.kunlun.core.meta.ClusterTable;
import io.kunlun.model.Instance;

import java.util.Collection;
import java.util.List;

/** A cluster's recorded accounts as the engines take them, for every job that installs instances. */
final class ClusterAccounts {
    private ClusterAccounts() {
    }

    /**
     * The accounts, usable from every machine of the given instances that is not this one
     * (connections between loopback addresses arrive from loopback, which is always allowed).
     */
    static ClusterUsers users(Collection<ClusterTable.Credential> credentials, Collection<Instance> instances) {
        Credential admin = null;
        Credential repl = null;
        Credential monitor = null;
        for (ClusterTable.Credential credential : credentials) {
            Credential account = new Credential(credential.user(), credential.password());
            switch (credential.purpose()) {
                case "admin" -> admin = account;
                case "repl" -> repl = account;
                case "monitor" -> monitor = account;
                default -> throw new IllegalStateException("unknown account purpose " + credential.purpose());
            }
        }
        List<String> networks = instances.stream().map(Instance::hostaddr).distinct()
                .filter(hostaddr -> !Hosts.isLocal(hostaddr) && hostaddr.matches("[0-9.]+"))
                .map(hostaddr -> hostaddr + "/32").toList();
        return new ClusterUsers(admin, repl, monitor, networks);
    }
}
