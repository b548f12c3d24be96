-- At fleet scale (bench/fleet.sh: 1 000 clusters, 100 000 instances, 1 000 000 jobs) a cluster's
-- instances were found by reading every instance: get_storage and get_computer once, get_cluster
-- once per cluster (the count of its comps), the health round once per cluster.
CREATE INDEX instance_by_cluster ON instance (cluster_name, kind);
