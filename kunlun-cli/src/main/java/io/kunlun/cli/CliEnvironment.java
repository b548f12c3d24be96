package io.kunlun.cli;

import java.util.Map;
import java.util.Optional;

/**
 * What kunlunctl reads from its surroundings: environment variables (KUNLUNCTL_SERVER,
 * KUNLUN_ACCESS_TOKEN, USER) and whether a person watches stderr. Passed in, so that tests can
 * set them without touching the process.
 */
record CliEnvironment(Map<String, String> variables, boolean interactive) {
    CliEnvironment {
        variables = Map.copyOf(variables);
    }

    static CliEnvironment current() {
        // Java 17's console exists only when stdin and stdout are terminals: a fair sign that a
        // person reads stderr too, and that a redirected run wants plain lines.
        return new CliEnvironment(System.getenv(), System.console() != null);
    }

    Optional<String> variable(String name) {
        return Optional.ofNullable(variables.get(name)).filter(value -> !value.isBlank());
    }
}
