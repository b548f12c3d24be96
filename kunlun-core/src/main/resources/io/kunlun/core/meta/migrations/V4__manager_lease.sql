-- The lease that lets one manager at a time work on a server metadata store (MariaDB, Galera):
-- one row, naming its holder, renewed by the holder's heartbeat; a lease past expires_at was
-- left by a manager that is gone and may be taken over. A row, not GET_LOCK: a named lock is
-- local to one Galera member, while writes to one row conflict across the whole cluster.
-- Times are the database's clock, in milliseconds since the epoch.

CREATE TABLE manager_lease (
    name              VARCHAR(32)  NOT NULL,
    holder_id         VARCHAR(64)  NOT NULL,
    holder_host       VARCHAR(255) NOT NULL,
    holder_pid        BIGINT       NOT NULL,
    holder_started_at BIGINT       NOT NULL,
    heartbeat_at      BIGINT       NOT NULL,
    expires_at        BIGINT       NOT NULL,
    PRIMARY KEY (name)
);
