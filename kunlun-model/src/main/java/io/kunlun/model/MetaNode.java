package io.kunlun.model;

/**
 * One node of the metadata store and its status: {@value #ONLINE} when it serves the store,
 * {@value #OFFLINE} when the store's configuration names it but it is not in the group now.
 */
public record MetaNode(String ip, int port, String status) {
    public static final String ONLINE = "online";
    public static final String OFFLINE = "offline";

    /** A node that serves the store. */
    public MetaNode(String ip, int port) {
        this(ip, port, ONLINE);
    }
}
