package io.kunlun.core.engines;

/**
 * A physical backup streamed into a file on another machine: the file (named after its format,
 * {@code .xbstream} or {@code .xbstream.zst}), how many bytes it holds, their SHA-256 as they
 * arrived, the compression of the stream ({@code zstd} or {@code none}) and the point in the
 * source's history the backup is consistent to.
 */
public record StreamedBackup(String file, long bytes, String sha256, String compression, BinlogCoordinates position) {
}
