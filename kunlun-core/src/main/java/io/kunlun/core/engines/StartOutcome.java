package io.kunlun.core.engines;

/** What a start request did. */
public enum StartOutcome {
    STARTED,
    ALREADY_RUNNING
}
