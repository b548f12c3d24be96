-- The identity of the installation: every manager on this store, and the stores it is migrated
-- into, share it. Names the manager gives things outside the store (a cluster's operating-system
-- account) are derived from it, so that two installations sharing machines never pick the same
-- name for two clusters of the same name. Its one row is written the first time it is needed,
-- so that a store made only to migrate metadata into stays empty until the copy.
CREATE TABLE installation (
    singleton INT         NOT NULL PRIMARY KEY,
    id        VARCHAR(36) NOT NULL
);
