package io.kunlun.core;

/**
 * Every failure the manager reports: a code for programs, a message for people. The message names
 * the cause, e.g. {@code 127.0.0.9: ssh connect timed out after 5 s}.
 */
public class ManagerException extends RuntimeException {
    public enum Code {
        /** The request is well-formed but asks for something impossible in the current state. */
        REFUSED,
        /** The request names a machine, cluster, instance or job that does not exist. */
        NOT_FOUND,
        /** The request conflicts with existing state (a known hostaddr, a reused job_id). */
        CONFLICT,
        /** A machine could not be reached or did not answer in time. */
        HOST_UNREACHABLE,
        /** A command on a machine failed. */
        COMMAND_FAILED,
        /** The metadata store failed. */
        METADATA,
        /** A job type whose issue has not landed yet. */
        NOT_IMPLEMENTED,
        /** The manager was stopped while the job ran. */
        INTERRUPTED,
        /**
         * Another manager took the metadata store's lease over, or this one cannot tell that it
         * still holds it: this manager must not act.
         */
        NOT_LEASE_HOLDER,
        /** Anything else: a bug. */
        INTERNAL
    }

    private final Code code;

    public ManagerException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public ManagerException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }

    public static ManagerException refused(String message) {
        return new ManagerException(Code.REFUSED, message);
    }

    public static ManagerException notFound(String message) {
        return new ManagerException(Code.NOT_FOUND, message);
    }

    public static ManagerException conflict(String message) {
        return new ManagerException(Code.CONFLICT, message);
    }
}
