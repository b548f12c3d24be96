package io.kunlun.core.ops.instances;

import io.kunlun.core.ManagerException;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;
import io.kunlun.model.job.JobRequest.InstanceAddress;

/** Finding the instance a request names by its ip and port. */
public final class ManagedInstances {
    private ManagedInstances() {
    }

    static Instance find(MetadataStore store, InstanceAddress address) {
        return store.clusters().findInstance(address.ip(), address.port())
                .orElseThrow(() -> ManagerException.notFound("no managed instance at " + address));
    }
}
