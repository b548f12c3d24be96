package io.kunlun.core;

/**
 * Who sent a request, as far as secrets are concerned. Passwords are answered only to a caller
 * that could read them anyway: the program that opened the manager's home (whose store holds
 * them), or an HTTP client that presented the configured access token.
 */
public enum Caller {
    /** The program embedding the manager, kunlunctl --home among them: it opened the home. */
    IN_PROCESS,
    /** An HTTP client that sent the configured access token. */
    AUTHENTICATED,
    /** An HTTP client of a manager without an access token: anyone who reaches the port. */
    ANONYMOUS;

    public boolean mayReadSecrets() {
        return this != ANONYMOUS;
    }
}
