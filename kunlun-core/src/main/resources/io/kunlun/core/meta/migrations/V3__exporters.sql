-- Prometheus exporters the manager runs, one per database instance: where the exporter listens,
-- which instance it watches, and that instance's place in its cluster (the targets' labels).

CREATE TABLE exporter (
    hostaddr          VARCHAR(255) NOT NULL,
    port              INT          NOT NULL,
    kind              VARCHAR(16)  NOT NULL,
    instance_hostaddr VARCHAR(255) NOT NULL,
    instance_port     INT          NOT NULL,
    cluster_name      VARCHAR(64)  NOT NULL,
    shard_name        VARCHAR(64)  NULL,
    comp_name         VARCHAR(64)  NULL,
    role              VARCHAR(16)  NULL,
    PRIMARY KEY (hostaddr, port)
);

CREATE INDEX exporter_by_instance ON exporter (instance_hostaddr, instance_port);
