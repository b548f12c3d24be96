/**
 * kunlunctl, the command line: nouns ({@code machine}, {@code cluster}, {@code meta}, {@code job}) with verbs, each
 * verb one class that builds one API request.
 *
 * <p>Adding the command of a job type is one class in its noun's class (and the noun, if new, in
 * {@link io.kunlun.cli.Kunlunctl}'s subcommands):
 * <pre>
 * &#64;Command(name = "add", description = "add_comps: add compute nodes to a cluster.")
 * static final class AddComps extends JobSubmitCommand {      // RequestCommand for a sync query
 *     &#64;Option(names = "--cluster-name", required = true) String clusterName;
 *     &#64;Option(names = "--comps", required = true) int comps;
 *
 *     protected JobType jobType() { return JobType.ADD_COMPS; }
 *     protected void fill(ObjectNode request) {
 *         request.put("cluster_name", clusterName).put("comps", comps);
 *     }
 * }
 * </pre>
 * The base classes bring the rest: --server/--home/--token/--output, job_id and user_name, waiting
 * with a progress line, printing as a table or JSON, and the exit status.
 */
package io.kunlun.cli;
