package io.kunlun.core.meta;

import java.sql.SQLTransientConnectionException;

/**
 * No connection to the metadata store could be had in time: the store is busy or cannot be
 * reached. A state of the store, not a failure of what was asked of it.
 */
public final class StoreUnavailableException extends SQLTransientConnectionException {
    public StoreUnavailableException(String reason) {
        super(reason);
    }
}
