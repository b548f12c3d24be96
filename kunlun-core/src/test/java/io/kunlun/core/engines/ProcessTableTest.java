package io.kunlun.core.engines;

import io.kunlun.core.hosts.LocalHost;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The machine's processes as grep reads them from /proc: each process's arguments, whole. */
class ProcessTableTest {
    @Test
    void eachProcessHasItsPidThenItsArgumentsWholeEvenWithSpacesInThem() {
        ProcessTable table = ProcessTable.parse("/proc/12/cmdline:/usr/sbin/mariadbd\0/proc/12/cmdline:"
                + "--defaults-file=/data/my cnf/my.cnf\0/proc/12/cmdline:\0/proc/345/cmdline:sleep\0"
                + "/proc/345/cmdline:10\0");

        assertThat(table.pids(words -> words.equals(List.of("12", "/usr/sbin/mariadbd",
                "--defaults-file=/data/my cnf/my.cnf", "")))).containsExactly("12");
        assertThat(table.pids(words -> words.equals(List.of("345", "sleep", "10")))).containsExactly("345");
    }

    @Test
    void aListingOfThisMachineHoldsThisJvmWithItsArguments() {
        String self = String.valueOf(ProcessHandle.current().pid());
        String program = ProcessHandle.current().info().command().orElseThrow();

        ProcessTable table = ProcessTable.of(new LocalHost("127.0.0.1"));

        assertThat(table.pids(words -> words.get(0).equals(self) && words.get(1).endsWith("java")))
                .as("this JVM, " + program).containsExactly(self);
    }
}
