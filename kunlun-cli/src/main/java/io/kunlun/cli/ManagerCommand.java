package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * A command that talks to the manager: connects (remote or embedded), exchanges requests,
 * prints the final reply in the chosen format, and turns it into the exit status: 1 when its
 * result is failed (the reason on stderr), else 0.
 */
abstract class ManagerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Talks to the manager and answers the reply to print. */
    protected abstract ObjectNode exchange(ManagerConnection manager, JobWaiter waiter);

    /** Refuses option combinations that make no sense for this command, before connecting. */
    protected void checkUsage(Kunlunctl cli) {
    }

    @Override
    public final Integer call() {
        Kunlunctl cli = Kunlunctl.of(spec);
        checkUsage(cli);
        PrintWriter err = spec.commandLine().getErr();
        ObjectNode reply;
        try (ManagerConnection manager = cli.connect(spec.commandLine())) {
            reply = exchange(manager, new JobWaiter(manager, new ProgressLine(err, cli.environment().interactive())));
        }
        return report(reply, cli.output());
    }

    private int report(ObjectNode reply, OutputFormat format) {
        PrintWriter out = spec.commandLine().getOut();
        boolean failed = Replies.isFailed(reply);
        // In a table, a failure that holds nothing but its reason is said once, on stderr.
        boolean onlyReason = failed && reply.size() <= 2;
        if (!onlyReason || format == OutputFormat.JSON) {
            format.print(reply, out);
            out.flush();
        }
        if (!failed) {
            return 0;
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println("kunlunctl: " + Replies.failure(reply));
        err.flush();
        return 1;
    }
}
