package io.kunlun.core.ops.instances;

import io.kunlun.core.jobs.UndoAction;
import io.kunlun.core.meta.MetadataStore;
import io.kunlun.core.meta.OsAccountTable.OsAccount;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Undo of the making of a cluster's account on a machine: deletes it unless another job made it
 * (the metadata records which job did) or an instance there still runs as it.
 */
public final class RemoveOsAccount implements UndoAction<OsAccount> {
    public static final String NAME = "remove-os-account";
    private static final Logger LOG = LoggerFactory.getLogger(RemoveOsAccount.class);

    private final OsAccounts accounts;
    private final MetadataStore store;

    public RemoveOsAccount(OsAccounts accounts, MetadataStore store) {
        this.accounts = accounts;
        this.store = store;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<OsAccount> payloadType() {
        return OsAccount.class;
    }

    @Override
    public void undo(OsAccount made) {
        boolean ours = store.osAccounts().find(made.hostaddr(), made.name())
                .filter(recorded -> recorded.jobId().equals(made.jobId())).isPresent();
        if (!ours) {
            LOG.info("{}: the account {} is not recorded as made by job {}; left alone", made.hostaddr(), made.name(),
                    made.jobId());
            return;
        }
        accounts.release(made.hostaddr(), made.name());
    }
}
