package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.WireFormat;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class OutputFormatTest {

    private static ObjectNode parse(String json) throws Exception {
        return (ObjectNode) WireFormat.json().readTree(json);
    }

    private static String print(OutputFormat format, String json) throws Exception {
        StringWriter out = new StringWriter();
        format.print(parse(json), new PrintWriter(out, true));
        return out.toString();
    }

    @Test
    void anObjectIsKeyValueLinesAlignedOnTheLongestKey() throws Exception {
        assertThat(print(OutputFormat.TABLE, "{\"result\":\"done\",\"info\":\"ok\",\"submitted_at\":\"now\"}"))
                .isEqualTo("""
                        result        done
                        info          ok
                        submitted_at  now
                        """);
    }

    @Test
    void aListUnderOneFieldIsATableWithAHeader() throws Exception {
        assertThat(print(OutputFormat.TABLE, "{\"jobs\":[{\"job_id\":\"a\",\"result\":\"done\"},"
                + "{\"job_id\":\"bbbbbb\",\"result\":\"failed\"}]}"))
                .isEqualTo("""
                        JOB_ID  RESULT
                        a       done
                        bbbbbb  failed
                        """);
    }

    @Test
    void objectsUnderNumberedKeysAreATable() throws Exception {
        assertThat(print(OutputFormat.TABLE, "{\"meta0\":{\"ip\":\"127.0.0.1\",\"port\":\"57000\"},"
                + "\"meta1\":{\"ip\":\"127.0.0.2\",\"port\":\"57001\"}}"))
                .isEqualTo("""
                        IP         PORT
                        127.0.0.1  57000
                        127.0.0.2  57001
                        """);
    }

    @Test
    void freeTextAndNestedColumnsComeLast() throws Exception {
        assertThat(print(OutputFormat.TABLE, "{\"jobs\":[{\"info\":\"a long reason\",\"paths\":[{\"path\":\"/a\","
                + "\"free_bytes\":\"1\"},{\"path\":\"/b\",\"free_bytes\":\"2\"}],\"job_id\":\"j1\"}]}"))
                .isEqualTo("""
                        JOB_ID  INFO           PATHS
                        j1      a long reason  path=/a free_bytes=1, path=/b free_bytes=2
                        """);
    }

    @Test
    void anEmptyListSaysNone() throws Exception {
        assertThat(print(OutputFormat.TABLE, "{}")).isEqualTo("(none)\n");
        assertThat(print(OutputFormat.TABLE, "{\"jobs\":[]}")).isEqualTo("(none)\n");
    }

    @Test
    void jsonIsTheReplyUnchangedInItsOrder() throws Exception {
        String reply = "{\"result\":\"done\",\"info\":\"ok\",\"job_id\":\"j1\",\"extra\":{\"b\":\"1\",\"a\":[\"x\"]}}";

        String printed = print(OutputFormat.JSON, reply);

        assertThat(WireFormat.json().readTree(printed)).isEqualTo(parse(reply));
        assertThat(printed.indexOf("\"result\"")).isLessThan(printed.indexOf("\"info\""));
        assertThat(printed.indexOf("\"b\"")).isLessThan(printed.indexOf("\"a\""));
    }
}
