package io.kunlun.core.backup;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A file of a backup: its path relative to the backup's directory, its size and its SHA-256 (hex). */
public record StoredFile(@JsonProperty("path") String path, @JsonProperty("bytes") long bytes,
                         @JsonProperty("sha256") String sha256) {
}
