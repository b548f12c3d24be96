package io.kunlun.cli;

import java.io.PrintWriter;

/**
 * The line on stderr that shows how a job is doing while kunlunctl waits. On a terminal it is
 * rewritten in place and wiped at the end; otherwise (a log, a pipe) each change is a new line.
 */
final class ProgressLine {
    private final PrintWriter err;
    private final boolean inPlace;
    private String shown = "";

    ProgressLine(PrintWriter err, boolean inPlace) {
        this.err = err;
        this.inPlace = inPlace;
    }

    /** Shows {@code text} unless it is already shown. */
    void show(String text) {
        if (text.equals(shown)) {
            return;
        }
        if (inPlace) {
            err.print("\r" + text + " ".repeat(Math.max(0, shown.length() - text.length())));
        } else {
            err.println(text);
        }
        err.flush();
        shown = text;
    }

    /** The wait is over: on a terminal the line is wiped, so that what follows starts clean. */
    void end() {
        if (inPlace && !shown.isEmpty()) {
            err.print("\r" + " ".repeat(shown.length()) + "\r");
            err.flush();
        }
        shown = "";
    }
}
