package io.kunlun.model.job;

/** The life of a job: accept → ongoing → done | failed. */
public enum JobState {
    ACCEPT, ONGOING, DONE, FAILED;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public boolean isTerminal() {
        return this == DONE || this == FAILED;
    }

    public static JobState fromWire(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }
}
