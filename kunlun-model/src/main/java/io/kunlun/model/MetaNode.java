package io.kunlun.model;

/** One node of the metadata store. */
public record MetaNode(String ip, int port) {
}
