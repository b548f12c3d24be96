package io.kunlun.cli;

import io.kunlun.testkit.TempDirs;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** kunlunctl completion and man: generated from the command model, and usable by bash and man. */
class CompletionAndManTest {
    @Test
    void bashCompletesCommandsAndOptionsFromTheScript() throws Exception {
        CliRun script = CliRun.of("completion", "bash");
        assertThat(script.exitCode()).as(script.err()).isZero();
        Path file = Files.createTempFile("kunlunctl-completion-", ".bash");
        try {
            Files.writeString(file, script.out());

            assertThat(complete(file, "kunlunctl clu")).isEqualTo("cluster");
            assertThat(complete(file, "kunlunctl cluster create --ha")).isEqualTo("--ha-mode");
            assertThat(complete(file, "kunlunctl backup ")).contains("create").contains("list");
        } finally {
            Files.delete(file);
        }
    }

    /** What bash offers for the last word of the line, with the script loaded (outside a real completion: compopt complains). */
    private static String complete(Path script, String line) throws Exception {
        String words = "(" + line + (line.endsWith(" ") ? "''" : "") + ")";
        String program = "source " + script + "; COMP_WORDS=" + words + "; COMP_CWORD=$((${#COMP_WORDS[@]}-1));"
                + " COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}; _complete_kunlunctl 2>/dev/null;"
                + " printf '%s\\n' \"${COMPREPLY[@]}\" | sort | tr '\\n' ' '";
        Process bash = new ProcessBuilder("bash", "-c", program).redirectErrorStream(true).start();
        String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(bash.waitFor()).as(out).isZero();
        return out;
    }

    @Test
    void zshGetsTheSameScriptWhichLoadsBashCompletionItself() {
        CliRun zsh = CliRun.of("completion", "zsh");

        assertThat(zsh.out()).isEqualTo(CliRun.of("completion", "bash").out()).contains("bashcompinit");
    }

    @Test
    void manPagesAreWrittenForEveryCommandAndManRendersThem() throws Exception {
        Path dir = TempDirs.create("kunlunctl-man-");
        try {
            CliRun run = CliRun.of("man", "--dir", dir.toString());

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(dir.resolve("kunlunctl.1")).exists();
            assertThat(dir.resolve("kunlunctl-quickstart.1")).exists();
            String page = render(dir.resolve("kunlunctl-cluster-create.1"));
            assertThat(page).contains("kunlunctl-cluster-create - create_cluster: install a cluster on registered"
                    + " machines.");
            assertThat(page).contains("--ha-mode MODE").contains("--machine ADDR");
            assertThat(render(dir.resolve("kunlunctl.1"))).contains("EXIT STATUS").contains("usage error")
                    .contains("kunlunctl-cluster(1)");
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** The page as man shows it, plain text; groff's warnings fail the test. */
    private static String render(Path page) throws IOException, InterruptedException {
        Process man = new ProcessBuilder(List.of("groff", "-man", "-Tutf8", "-ww", "-rLL=200n", "-rHY=0", "-P", "-c", "-P", "-b", "-P", "-u",
                page.toString())).start();
        String out = new String(man.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(man.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(man.waitFor()).as(err).isZero();
        assertThat(err).isEmpty();
        return out.replace("\u2010", "-").replace("\u2212", "-");
    }
}
