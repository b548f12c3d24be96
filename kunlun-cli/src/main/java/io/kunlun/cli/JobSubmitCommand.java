package io.kunlun.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kunlun.model.job.RequestFields;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.util.Optional;
import java.util.UUID;

/**
 * A command that submits an asynchronous job (create_machine, create_cluster...): adds job_id and
 * user_name, then waits for the job to end unless told not to, showing its progress on stderr.
 */
abstract class JobSubmitCommand extends RequestCommand {
    @Option(names = "--job-id", paramLabel = "ID", description = "The job's id (default: a new random UUID).")
    String jobId;

    @Option(names = "--user", paramLabel = "NAME",
            description = "Who asks, recorded in the operation log (default: $USER).")
    String user;

    @Option(names = "--no-wait", description = "Return once the manager has accepted the job; follow it with"
            + " 'job wait ID'. Only with --server: with --home the manager runs inside kunlunctl, which"
            + " always waits for the job to end before exiting.")
    boolean noWait;

    @Option(names = "--dry-run", description = "Only check: the manager answers the plan (each new or removed"
            + " instance with its machine, ports and directories), or why the job would fail; nothing is changed"
            + " and no job is accepted.")
    boolean dryRun;

    @Override
    protected void checkUsage(Kunlunctl cli) {
        if (noWait && cli.home().isPresent()) {
            throw new ParameterException(spec.commandLine(), "--no-wait needs a running manager (--server): with"
                    + " --home the job runs inside kunlunctl, which waits for it to end");
        }
    }

    @Override
    protected ObjectNode exchange(ManagerConnection manager, JobWaiter waiter) {
        Kunlunctl cli = Kunlunctl.of(spec);
        String id = jobId != null ? jobId : UUID.randomUUID().toString();
        ObjectNode request = request()
                .put("job_id", id)
                .put("user_name", user != null ? user : loginName(cli));
        if (dryRun) {
            return manager.send(request.put("dry_run", "1"));
        }
        ObjectNode receipt = manager.send(request);
        if (noWait || !Replies.isPending(receipt)) {
            return receipt;
        }
        return waiter.await(id, Optional.empty());
    }

    /**
     * The login name, which a job records as who asked; "kunlunctl" when it is not a label the
     * API accepts (a domain login such as {@code DOMAIN\me} or {@code me@corp}).
     */
    private static String loginName(Kunlunctl cli) {
        String login = cli.environment().variable("USER").orElse(System.getProperty("user.name"));
        return login != null && RequestFields.isLabel(login) ? login : "kunlunctl";
    }
}
