package io.kunlun.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressLineTest {
    private final StringWriter err = new StringWriter();

    @Test
    void withoutATerminalEachChangeIsOneLine() {
        ProgressLine line = new ProgressLine(new PrintWriter(err), false);

        line.show("[accept] queued");
        line.show("[ongoing 0/2] checking paths on 127.0.0.2");
        line.show("[ongoing 0/2] checking paths on 127.0.0.2");
        line.show("[ongoing 1/2] registering 127.0.0.2");
        line.end();

        assertThat(err.toString()).isEqualTo("""
                [accept] queued
                [ongoing 0/2] checking paths on 127.0.0.2
                [ongoing 1/2] registering 127.0.0.2
                """);
    }

    @Test
    void onATerminalTheLineIsRewrittenInPlaceAndWipedAtTheEnd() {
        ProgressLine line = new ProgressLine(new PrintWriter(err), true);

        line.show("[ongoing 0/2] checking paths");
        line.show("[ongoing 1/2] registering");
        line.end();

        assertThat(err.toString()).isEqualTo("\r[ongoing 0/2] checking paths"
                + "\r[ongoing 1/2] registering   "
                + "\r" + " ".repeat("[ongoing 1/2] registering".length()) + "\r");
    }

    @Test
    void endingWithNothingShownWritesNothing() {
        ProgressLine line = new ProgressLine(new PrintWriter(err), true);

        line.end();

        assertThat(err.toString()).isEmpty();
    }
}
