package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

/** A database account: a checked name and its password. {@link #toString} never shows the password. */
public record Credential(String user, String password) {
    public Credential {
        SqlText.requireName(user, "user name");
        if (password == null || password.isEmpty() || password.indexOf('\0') >= 0) {
            throw ManagerException.refused("the password of " + user + " must be a non-empty string without NUL");
        }
    }

    @Override
    public String toString() {
        return "Credential[" + user + "]";
    }
}
