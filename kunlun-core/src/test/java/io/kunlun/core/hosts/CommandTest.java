package io.kunlun.core.hosts;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandTest {
    @Test
    void theShellLineQuotesEveryWordAShellWouldInterpret() {
        Command command = Command.of("mkdir", "-p", "/data/it's here", "$(reboot)", "a;b", "");

        assertThat(command.toShellLine()).isEqualTo("mkdir -p '/data/it'\\''s here' '$(reboot)' 'a;b' ''");
    }

    @Test
    void aTimeoutMustBePositive() {
        assertThatThrownBy(() -> Command.of("true").withTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a command's timeout must be positive, got PT0S");
    }

    @Test
    void aTimeoutNamesTheProgramAndTheMachine() {
        assertThat(Command.of("mariadbd", "--help").withTimeout(Duration.ofSeconds(90)).timedOut("127.0.0.3"))
                .hasMessage("127.0.0.3: mariadbd timed out after 90 s");
    }
}
