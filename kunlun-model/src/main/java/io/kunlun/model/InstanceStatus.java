package io.kunlun.model;

/** What the manager knows of an instance's process. */
public enum InstanceStatus {
    /** Being installed by a running job. */
    CREATING,
    /** Running and answering. */
    ACTIVE,
    /** Stopped on purpose (control_instance stop). */
    STOPPED,
    /** Expected to run but not answering. */
    UNREACHABLE,
    /**
     * Found dead more often than the keepalive's restart limit allows: no longer started again
     * automatically, until control_instance start.
     */
    FAILED;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static InstanceStatus fromWire(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }
}
