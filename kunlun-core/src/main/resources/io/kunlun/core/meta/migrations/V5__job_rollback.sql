-- A job whose operation failed (or that a stopped manager left non-resumable) is rolled back
-- while it stays ongoing: rollback_cause holds why, so that a rollback that could not finish (a
-- machine briefly unreachable) is retried on a timer and at the next start, never mistaken for a
-- run that was cut off, and the job only fails once its undo log is empty.
ALTER TABLE job ADD COLUMN rollback_cause LONGTEXT NULL;

-- Retention deletes ended jobs by age.
CREATE INDEX job_by_end ON job (ended_at);
