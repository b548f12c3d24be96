-- What the manager did on its own to keep instances running: each restart of an instance found
-- dead, each failed attempt, each give-up once the restart limit was reached. Kept with no
-- foreign key: an event outlives the instance (and cluster) it tells of. Times are epoch ms.

CREATE TABLE healing_event (
    seq          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    happened_at  BIGINT       NOT NULL,
    cluster_name VARCHAR(64)  NOT NULL,
    hostaddr     VARCHAR(255) NOT NULL,
    port         INT          NOT NULL,
    kind         VARCHAR(32)  NOT NULL,
    detail       TEXT         NOT NULL
);

CREATE INDEX healing_event_instance ON healing_event (hostaddr, port, happened_at);
