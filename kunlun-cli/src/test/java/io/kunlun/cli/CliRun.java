package io.kunlun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.kunlun.model.job.WireFormat;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/** One kunlunctl run in this process: its exit status and what it wrote on stdout and stderr. */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(String... args) {
        return withEnvironment(Map.of(), args);
    }

    static CliRun withEnvironment(Map<String, String> variables, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = Kunlunctl.commandLine(new CliEnvironment(variables, false));
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        int code = line.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    JsonNode json() {
        try {
            return WireFormat.json().readTree(out);
        } catch (IOException e) {
            throw new UncheckedIOException("stdout is not JSON: " + out, e);
        }
    }

    /** stderr without the progress lines printed while waiting. */
    String errWithoutProgress() {
        return err.lines().filter(line -> !line.startsWith("[")).map(line -> line + "\n")
                .reduce("", String::concat);
    }
}
