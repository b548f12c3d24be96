-- The ended-jobs retention (JobTable.pruneEnded) keeps a job that a cluster or a port reservation
-- still names, asking each table once per candidate job. Without an index on job_id each question
-- read the whole table: at fleet scale (100 000 ports, 1 000 clusters) a prune of a million jobs
-- read port_allocation a million times. (job_undo is keyed by job_id already.)
CREATE INDEX port_allocation_by_job ON port_allocation (job_id);
CREATE INDEX cluster_by_job ON cluster (job_id);
