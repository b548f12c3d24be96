package io.kunlun.model;

/** Space of the file system holding one root path of a machine, in bytes. */
public record PathSpace(String path, long totalBytes, long freeBytes) {
    public long usedBytes() {
        return totalBytes - freeBytes;
    }
}
