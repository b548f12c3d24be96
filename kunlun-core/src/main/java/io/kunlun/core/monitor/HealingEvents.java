package io.kunlun.core.monitor;

import io.kunlun.core.meta.EventTable;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.model.Instance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;

/** Records what the manager did on its own to an instance, in its log and in the event table. */
final class HealingEvents {
    private static final Logger LOG = LoggerFactory.getLogger(HealingEvents.class);

    private final MetadataStore store;
    private final Clock clock;

    HealingEvents(MetadataStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    Instant now() {
        return clock.instant();
    }

    void record(Instance instance, Instant at, EventTable.Kind kind, String detail) {
        LOG.info("{}: {}: {}", instance.address(), kind.wireName(), detail);
        store.events().record(new EventTable.Event(at, instance.clusterName(), instance.hostaddr(), instance.port(),
                kind, detail));
    }
}
