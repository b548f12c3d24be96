-- One schema for H2 (MariaDB mode) and MySQL/MariaDB. Times are epoch milliseconds (BIGINT) so
-- that no time zone setting of either server changes them.

CREATE TABLE machine (
    hostaddr        VARCHAR(255) NOT NULL PRIMARY KEY,
    rack_id         VARCHAR(64)  NOT NULL,
    datadir         TEXT         NOT NULL,
    logdir          TEXT         NOT NULL,
    wal_log_dir     TEXT         NOT NULL,
    comp_datadir    TEXT         NOT NULL,
    total_mem_mb    INT          NOT NULL,
    total_cpu_cores INT          NOT NULL,
    created_at      BIGINT       NOT NULL,
    updated_at      BIGINT       NOT NULL
);

CREATE TABLE machine_path (
    hostaddr    VARCHAR(255) NOT NULL,
    path        VARCHAR(255) NOT NULL,
    total_bytes BIGINT       NOT NULL,
    free_bytes  BIGINT       NOT NULL,
    checked_at  BIGINT       NOT NULL,
    PRIMARY KEY (hostaddr, path)
);

-- A job and its operation record: who asked what, when it ran, how it ended.
CREATE TABLE job (
    seq          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    job_id       VARCHAR(64)  NOT NULL UNIQUE,
    job_type     VARCHAR(32)  NOT NULL,
    user_name    VARCHAR(64)  NOT NULL,
    request      LONGTEXT     NOT NULL,
    lock_key     VARCHAR(300) NOT NULL,
    state        VARCHAR(16)  NOT NULL,
    info         LONGTEXT     NULL,
    step         VARCHAR(255) NULL,
    steps_done   INT          NOT NULL DEFAULT 0,
    steps_total  INT          NOT NULL DEFAULT 0,
    submitted_at BIGINT       NOT NULL,
    started_at   BIGINT       NULL,
    ended_at     BIGINT       NULL
);

CREATE INDEX job_by_state ON job (state, seq);

-- What a running job has done, in order, so that a failure or a restart can undo it.
CREATE TABLE job_undo (
    job_id  VARCHAR(64) NOT NULL,
    seq     INT         NOT NULL,
    action  VARCHAR(64) NOT NULL,
    payload LONGTEXT    NOT NULL,
    PRIMARY KEY (job_id, seq)
);

-- Every database instance the manager runs, storage or compute.
CREATE TABLE instance (
    hostaddr     VARCHAR(255) NOT NULL,
    port         INT          NOT NULL,
    cluster_name VARCHAR(64)  NOT NULL,
    kind         VARCHAR(16)  NOT NULL,
    PRIMARY KEY (hostaddr, port)
);
