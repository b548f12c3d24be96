package io.kunlun.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code kunlunctl man --dir DIR}: a man page (troff, section 1) for kunlunctl and one for each of
 * its commands, {@code kunlunctl-cluster-create.1} and so on, written from the command model the
 * parser uses: names, synopsis, descriptions, options, exit status.
 */
@Command(name = "man", description = {"Write man pages for kunlunctl and each of its commands.",
        "Read one with man -l DIR/kunlunctl-cluster-create.1, or put DIR in MANPATH (it is named like a man1"
                + " directory's contents)."})
final class ManCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Where the pages go (made if missing).")
    Path dir;

    @Override
    public Integer call() {
        try {
            Files.createDirectories(dir);
            List<Path> written = new ArrayList<>();
            write(spec.root(), written);
            spec.commandLine().getOut().println("wrote " + written.size() + " man pages to " + dir);
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write man pages to " + dir + ": " + e.getMessage(), e);
        }
    }

    private void write(CommandSpec command, List<Path> written) throws IOException {
        Path page = dir.resolve(pageName(command) + ".1");
        Files.writeString(page, page(command), StandardCharsets.UTF_8);
        written.add(page);
        for (CommandLine sub : command.subcommands().values()) {
            if (!sub.getCommandSpec().usageMessage().hidden() && sub.getCommandSpec().parent() == command) {
                write(sub.getCommandSpec(), written);
            }
        }
    }

    /** kunlunctl-cluster-create for {@code kunlunctl cluster create}. */
    static String pageName(CommandSpec command) {
        return command.qualifiedName("-");
    }

    static String page(CommandSpec command) {
        StringBuilder troff = new StringBuilder();
        String version = command.root().version().length > 0 ? command.root().version()[0] : "kunlunctl";
        troff.append(".TH ").append(quoted(pageName(command).toUpperCase(Locale.ROOT))).append(" 1 \"\" ")
                .append(quoted(version)).append(" \"Kunlun cluster manager\"\n");
        String[] description = command.usageMessage().description();
        troff.append(".SH NAME\n").append(escape(pageName(command))).append(" \\- ")
                .append(escape(description.length > 0 ? description[0] : command.qualifiedName())).append('\n');
        troff.append(".SH SYNOPSIS\n.nf\n")
                .append(escape(command.commandLine().getHelp().synopsis(0).strip())).append("\n.fi\n");
        if (description.length > 1) {
            troff.append(".SH DESCRIPTION\n");
            for (int i = 1; i < description.length; i++) {
                if (!description[i].isBlank()) {
                    troff.append(".PP\n").append(escape(description[i])).append('\n');
                }
            }
        }
        if (!command.subcommands().isEmpty()) {
            troff.append(".SH COMMANDS\n");
            command.subcommands().forEach((name, sub) -> {
                if (sub.getCommandSpec().parent() == command) {
                    String[] lines = sub.getCommandSpec().usageMessage().description();
                    troff.append(".TP\n.B ").append(escape(name)).append('\n')
                            .append(escape(lines.length > 0 ? lines[0] : "")).append(" See ")
                            .append(escape(pageName(sub.getCommandSpec()))).append("(1).\n");
                }
            });
        }
        if (!command.positionalParameters().isEmpty() || !command.options().isEmpty()) {
            troff.append(".SH OPTIONS\n");
            for (PositionalParamSpec parameter : command.positionalParameters()) {
                troff.append(".TP\n.I ").append(escape(parameter.paramLabel())).append('\n')
                        .append(escape(String.join(" ", parameter.description()))).append('\n');
            }
            for (OptionSpec option : command.options()) {
                troff.append(".TP\n.B ").append(escape(String.join(", ", option.names())));
                if (option.arity().max() > 0) {
                    troff.append(" \\fI").append(escape(option.paramLabel())).append("\\fR");
                }
                troff.append('\n').append(escape(String.join(" ", option.description()))).append('\n');
            }
        }
        if (command.parent() == null) {
            troff.append(".SH EXIT STATUS\n");
            command.usageMessage().exitCodeList().forEach((code, meaning) ->
                    troff.append(".TP\n.B ").append(escape(code)).append('\n').append(escape(meaning)).append('\n'));
        }
        return troff.toString();
    }

    private static String quoted(String text) {
        return "\"" + text.replace("\"", "'") + "\"";
    }

    /** Text as troff reads it literally: backslashes doubled, a leading dot or quote not taken for a request. */
    private static String escape(String text) {
        String escaped = text.replace("\\", "\\\\").replace("-", "\\-");
        return escaped.startsWith(".") || escaped.startsWith("'") ? "\\&" + escaped : escaped;
    }
}
