package io.kunlun.core.engines;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Edits of one instance file at the same time, as a job and a set_variable make them, on 127.0.0.202. */
class InstanceFileEditTest {
    private EngineFixture machine;
    private InstanceAccount account;
    private String file;

    @BeforeEach
    void aFileOfTheAccount() {
        machine = new EngineFixture("127.0.0.202");
        account = InstanceAccount.resolve(machine.host, EngineFixture.CONFIG.instanceAccount());
        String directory = machine.root + "/instance_data/edited/1";
        InstanceDirectories.create(machine.host, account, "test", List.of(directory), EngineFixture.MAKER);
        file = directory + "/my.cnf";
        account.writeFile(machine.host, file, "[mysqld]\n");
    }

    @AfterEach
    void removeIt() {
        machine.close();
    }

    @Test
    void concurrentEditsAllLand() throws Exception {
        ExecutorService editors = Executors.newFixedThreadPool(3);
        try {
            List<Future<Boolean>> edits = new ArrayList<>();
            for (int editor = 0; editor < 3; editor++) {
                for (int round = 0; round < 3; round++) {
                    String setting = "setting_" + editor + "_" + round;
                    edits.add(editors.submit(() -> account.editFile(machine.host, file,
                            content -> OptionFile.withSetting(content, "mysqld", setting, "1"))));
                }
            }
            for (Future<Boolean> edit : edits) {
                assertThat(edit.get()).isTrue();
            }
        } finally {
            editors.shutdownNow();
        }

        String edited = machine.host.readFile(file);
        IntStream.range(0, 3).forEach(editor -> IntStream.range(0, 3).forEach(round ->
                assertThat(edited).contains("setting_" + editor + "_" + round + " = 1")));
    }

    @Test
    void anEditThatChangesNothingWritesNothing() {
        assertThat(account.editFile(machine.host, file, content -> content)).isFalse();
        assertThat(machine.exists(file + ".kunlun-tmp")).isFalse();
    }
}
