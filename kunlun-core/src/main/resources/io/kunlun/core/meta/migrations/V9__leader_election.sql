-- Several managers on one store, one of them the leader: the lease row gets a fencing number,
-- raised by one at every takeover and never lowered (a manager that stops expires its lease
-- instead of deleting the row, so the number survives), and every job records the fencing number
-- of the leader that wrote its last step: a step of a leader whose term is over is refused.
ALTER TABLE manager_lease ADD COLUMN fencing BIGINT NOT NULL DEFAULT 0;
ALTER TABLE job ADD COLUMN fencing BIGINT NULL;

-- Every manager running on the store, leader or follower, with its own heartbeat (list_managers).
-- fencing is the number of its latest term as leader, 0 when it never led.
CREATE TABLE manager_member (
    id           VARCHAR(64)  NOT NULL,
    address      VARCHAR(300) NOT NULL,
    host         VARCHAR(255) NOT NULL,
    pid          BIGINT       NOT NULL,
    started_at   BIGINT       NOT NULL,
    heartbeat_at BIGINT       NOT NULL,
    fencing      BIGINT       NOT NULL,
    PRIMARY KEY (id)
);
