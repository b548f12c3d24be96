package io.kunlun.core.monitor;

/**
 * The Prometheus scrape jobs update_prometheus feeds, each from its own file_sd target file: the
 * {@code job} label of every series Prometheus scrapes through it.
 */
public enum ScrapeJob {
    /** The manager's own {@code /metrics}. */
    MANAGER("kunlun_manager", "manager.json"),
    /** The node exporter on every registered machine. */
    MACHINES("node", "machines.json"),
    /** One mysqld_exporter per storage instance. */
    MYSQLD("mysqld", "mysqld.json"),
    /** One postgres_exporter per comp. */
    POSTGRES("postgres", "postgres.json");

    private final String jobName;
    private final String fileName;

    ScrapeJob(String jobName, String fileName) {
        this.jobName = jobName;
        this.fileName = fileName;
    }

    public String jobName() {
        return jobName;
    }

    public String fileName() {
        return fileName;
    }
}
