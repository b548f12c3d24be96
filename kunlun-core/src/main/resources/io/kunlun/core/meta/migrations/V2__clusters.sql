-- Clusters, their shards and instances, the ports they hold, and their generated credentials.

CREATE TABLE cluster (
    name                VARCHAR(64) NOT NULL PRIMARY KEY,
    ha_mode             VARCHAR(16) NOT NULL,
    nodes               INT         NOT NULL,
    max_storage_size_gb INT         NOT NULL,
    max_connections     INT         NOT NULL,
    cpu_cores           INT         NOT NULL,
    innodb_size_gb      INT         NOT NULL,
    created_at          BIGINT      NOT NULL,
    job_id              VARCHAR(64) NOT NULL
);

CREATE TABLE shard (
    cluster_name VARCHAR(64) NOT NULL,
    name         VARCHAR(64) NOT NULL,
    PRIMARY KEY (cluster_name, name)
);

-- One row per account an instance of the cluster knows: admin, replication, monitor.
CREATE TABLE cluster_credential (
    cluster_name VARCHAR(64)  NOT NULL,
    purpose      VARCHAR(16)  NOT NULL,
    user_name    VARCHAR(64)  NOT NULL,
    password     VARCHAR(128) NOT NULL,
    PRIMARY KEY (cluster_name, purpose)
);

ALTER TABLE instance ADD COLUMN shard_name VARCHAR(64) NULL;
ALTER TABLE instance ADD COLUMN comp_name VARCHAR(64) NULL;
ALTER TABLE instance ADD COLUMN role VARCHAR(16) NULL;
ALTER TABLE instance ADD COLUMN status VARCHAR(16) NOT NULL DEFAULT 'creating';
ALTER TABLE instance ADD COLUMN sst_port INT NOT NULL DEFAULT 0;
ALTER TABLE instance ADD COLUMN group_port INT NOT NULL DEFAULT 0;
ALTER TABLE instance ADD COLUMN data_dir VARCHAR(512) NOT NULL DEFAULT '';
ALTER TABLE instance ADD COLUMN log_dir VARCHAR(512) NOT NULL DEFAULT '';
ALTER TABLE instance ADD COLUMN wal_dir VARCHAR(512) NOT NULL DEFAULT '';

-- Every port the manager holds on a machine, whatever holds it; the key keeps two jobs apart.
CREATE TABLE port_allocation (
    hostaddr VARCHAR(255) NOT NULL,
    port     INT          NOT NULL,
    owner    VARCHAR(300) NOT NULL,
    job_id   VARCHAR(64)  NOT NULL,
    PRIMARY KEY (hostaddr, port)
);
