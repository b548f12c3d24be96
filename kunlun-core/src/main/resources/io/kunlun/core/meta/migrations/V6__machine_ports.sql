-- A port is held only on a registered machine, and a machine is deleted only while nothing holds
-- a port on it. delete_machine and the jobs that place instances run under different lock keys;
-- this lets the database decide between them when they meet.

DELETE FROM port_allocation WHERE hostaddr NOT IN (SELECT hostaddr FROM machine);

ALTER TABLE port_allocation ADD CONSTRAINT port_allocation_machine
    FOREIGN KEY (hostaddr) REFERENCES machine (hostaddr);
