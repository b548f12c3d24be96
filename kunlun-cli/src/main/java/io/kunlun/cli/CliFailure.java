package io.kunlun.cli;

/** A failure kunlunctl reports as {@code kunlunctl: <message>} on stderr, with exit status 1. */
final class CliFailure extends RuntimeException {
    CliFailure(String message) {
        super(message, null, false, false);
    }
}
