package io.kunlun.model;

/** Storage nodes hold a shard's data; comps are the SQL entry points. */
public enum InstanceKind {
    STORAGE, COMP;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static InstanceKind fromWire(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }
}
