package io.kunlun.core.hosts;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class CommandStreamsTest {
    /**
     * Like SSHJ's channel stream when the server's window is full: what is only buffered at
     * close is lost; flush waits until it can send.
     */
    private static final class DropsUnflushedOnClose extends OutputStream {
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        final ByteArrayOutputStream buffered = new ByteArrayOutputStream();

        @Override
        public void write(int b) {
            buffered.write(b);
        }

        @Override
        public void flush() throws IOException {
            buffered.writeTo(sent);
            buffered.reset();
        }

        @Override
        public void close() {
            buffered.reset();
        }
    }

    @Test
    void theWholeInputIsSentBeforeTheStreamIsClosed() {
        DropsUnflushedOnClose stream = new DropsUnflushedOnClose();
        byte[] input = "the command's whole input".getBytes(StandardCharsets.UTF_8);

        CommandStreams.writeAll(stream, input).join();

        assertThat(stream.sent.toByteArray()).isEqualTo(input);
    }

    @Test
    void anInputTheCommandDoesNotReadIsNoError() {
        OutputStream closedByTheCommand = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }
        };

        assertThat(CommandStreams.writeAll(closedByTheCommand, new byte[]{1, 2, 3})).succeedsWithin(Duration.ofSeconds(5));
    }

    @Test
    void outputIsReadToItsEndAsUtf8() {
        InputStream output = new ByteArrayInputStream("昆仑\nline two\n".getBytes(StandardCharsets.UTF_8));

        assertThat(CommandStreams.readAll(output).join()).isEqualTo("昆仑\nline two\n");
    }
}
