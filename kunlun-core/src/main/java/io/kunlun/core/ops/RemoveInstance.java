package io.kunlun.core.ops;

import io.kunlun.core.jobs.UndoAction;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;

/**
 * Undo of an instance's installation: stop it, delete its directories, forget its row and its
 * ports. Each part accepts that it never happened.
 */
public final class RemoveInstance implements UndoAction<Instance> {
    public static final String NAME = "remove-instance";

    private final Drivers drivers;
    private final MetadataStore store;

    public RemoveInstance(Drivers drivers, MetadataStore store) {
        this.drivers = drivers;
        this.store = store;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Instance> payloadType() {
        return Instance.class;
    }

    @Override
    public void undo(Instance instance) {
        drivers.remove(instance);
        store.clusters().deleteInstance(instance.hostaddr(), instance.port(), Drivers.ports(instance));
    }
}
