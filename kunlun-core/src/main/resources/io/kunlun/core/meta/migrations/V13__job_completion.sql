-- The info of a job whose run completed, written in the same transaction as the run's last
-- metadata write (JobContext.complete): a manager stopped after that write but before it marked
-- the job done finds the run complete at its next start and ends the job done with this info,
-- instead of replaying the undo log of what the run finished.
ALTER TABLE job ADD COLUMN completed_info LONGTEXT NULL;
