-- Each cluster's instances run as an operating-system account of their own on each machine.
-- instance.os_account names it; the instances made before keep the shared account of the
-- configuration, named by the empty string. os_account records the accounts the manager made
-- itself (or found made for the same cluster on another address of a machine sharing the
-- account database): the only ones it ever deletes.

ALTER TABLE instance ADD COLUMN os_account VARCHAR(32) NOT NULL DEFAULT '';

CREATE TABLE os_account (
    hostaddr     VARCHAR(255) NOT NULL,
    name         VARCHAR(32)  NOT NULL,
    cluster_name VARCHAR(64)  NOT NULL,
    job_id       VARCHAR(64)  NOT NULL,
    PRIMARY KEY (hostaddr, name)
);
