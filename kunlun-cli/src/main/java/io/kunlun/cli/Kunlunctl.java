package io.kunlun.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** kunlunctl: the command line of the Kunlun cluster manager. */
@Command(name = "kunlunctl", mixinStandardHelpOptions = true, version = "kunlunctl 0.1.0",
        description = "Manage KunlunBase-style distributed database clusters.",
        subcommands = {ServeCommand.class})
public final class Kunlunctl {
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Exit codes: 0 done, 1 failed, 2 usage. */
    static CommandLine commandLine() {
        CommandLine line = new CommandLine(new Kunlunctl());
        line.setExitCodeExceptionMapper(error -> 1);
        return line;
    }
}
