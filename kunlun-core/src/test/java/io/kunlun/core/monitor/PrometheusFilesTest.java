package io.kunlun.core.monitor;

import io.kunlun.core.ManagerException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An external Prometheus's targets directory may belong to another account, which can plant
 * symbolic links there: the manager neither writes nor reads through them.
 */
class PrometheusFilesTest {
    @TempDir
    Path directory;

    @Test
    void aLinkAtTheTemporaryNameIsReplacedNotWrittenThrough() throws Exception {
        Path targets = Files.createDirectory(directory.resolve("targets"));
        Path elsewhere = Files.writeString(directory.resolve("elsewhere"), "not Prometheus's\n");
        Files.createSymbolicLink(targets.resolve("kunlun-storage.json.kunlun-tmp"), elsewhere);

        PrometheusFiles.write(targets, Map.of("kunlun-storage.json", "[]\n"));

        assertThat(Files.readString(elsewhere)).isEqualTo("not Prometheus's\n");
        assertThat(Files.isSymbolicLink(targets.resolve("kunlun-storage.json"))).isFalse();
        assertThat(Files.readString(targets.resolve("kunlun-storage.json"))).isEqualTo("[]\n");
    }

    @Test
    void aLinkInPlaceOfATargetFileIsNotReadThrough() throws Exception {
        Path targets = Files.createDirectory(directory.resolve("targets"));
        Files.createSymbolicLink(targets.resolve("kunlun-storage.json"),
                Files.writeString(directory.resolve("secret"), "root's secret\n"));

        assertThatThrownBy(() -> PrometheusFiles.read(targets, List.of("kunlun-storage.json")))
                .isInstanceOf(ManagerException.class)
                .hasMessageStartingWith("cannot read " + targets.resolve("kunlun-storage.json") + ": ");
    }
}
