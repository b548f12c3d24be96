package io.kunlun.core.ops.clusters;

import io.kunlun.core.ops.Query;

import io.kunlun.core.meta.MetadataStore;

import java.util.List;

/** The cluster getters, sharing one listing of instances. */
public final class Getters {
    private Getters() {
    }

    public static List<Query<?>> all(MetadataStore store, boolean exposeCredentials) {
        InstanceListing listing = new InstanceListing(store, exposeCredentials);
        return List.of(new GetCluster(store), new GetStorage(listing), new GetComputer(listing));
    }
}
