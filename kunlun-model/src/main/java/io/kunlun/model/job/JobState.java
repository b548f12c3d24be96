package io.kunlun.model.job;

/** The life of a job: accept → ongoing → done | failed. */
public enum JobState {
    ACCEPT, ONGOING, DONE, FAILED;

    /** Rendered in every get_status and list_jobs entry: made once. */
    private final String wireName = name().toLowerCase(java.util.Locale.ROOT);

    public String wireName() {
        return wireName;
    }

    public boolean isTerminal() {
        return this == DONE || this == FAILED;
    }

    public static JobState fromWire(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }
}
