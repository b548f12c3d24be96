package io.kunlun.core.engines;

import java.util.Optional;

/**
 * Who made an instance, as the maker file in its own directory says: what a removal reads before
 * it deletes anything, so that it deletes only what the job that created the instance made (not
 * a directory another job created at the same path, nor one an operator left there).
 *
 * @param present whether the instance's own directory exists
 * @param job     the job named by its maker file; empty when the directory has none
 */
public record InstanceMaker(boolean present, Optional<String> job) {
    /** No instance directory: nothing to remove. */
    public static final InstanceMaker ABSENT = new InstanceMaker(false, Optional.empty());

    public boolean madeBy(String jobId) {
        return job.filter(jobId::equals).isPresent();
    }

    /** Whether the directory is there but not made by {@code jobId}, and so must be left alone. */
    public boolean foreignTo(String jobId) {
        return present && !madeBy(jobId);
    }

    /** For messages: {@code made by job c7} or {@code not made by the manager (no maker file)}. */
    public String describe() {
        return job.map(maker -> "made by job " + maker).orElse("not made by the manager (no maker file)");
    }
}
