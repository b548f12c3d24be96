package io.kunlun.core.hosts;

import io.kunlun.core.ManagerException;
import io.kunlun.model.PathSpace;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One machine, reached locally or over SSH. Only {@link #run} differs between the two; files and
 * space are handled with the same standard commands on both, so a path behaves the same wherever
 * the machine is.
 */
public interface HostAccess extends AutoCloseable {
    /** The machine's hostaddr, used in every error message. */
    String address();

    /** Runs a command and returns how it ended; throws only when the machine cannot be reached. */
    CommandResult run(Command command);

    /** Runs a command and fails with its output unless it exits 0. */
    default CommandResult check(Command command) {
        CommandResult result = run(command);
        if (!result.succeeded()) {
            String output = (result.stderr().isBlank() ? result.stdout() : result.stderr()).strip();
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, address() + ": " + command.argv().get(0)
                    + " exited with " + result.exitCode() + (output.isEmpty() ? "" : ": " + tail(output, 800)));
        }
        return result;
    }

    default boolean exists(String path) {
        return run(Command.of("test", "-e", path)).succeeded();
    }

    default boolean isWritableDirectory(String path) {
        return run(Command.of("test", "-d", path, "-a", "-w", path)).succeeded();
    }

    default String readFile(String path) {
        return check(Command.of("cat", "--", path)).stdout();
    }

    /** Writes a file through a temporary name and a rename, so readers never see half of it. */
    default void writeFile(String path, String content) {
        String temporary = path + ".kunlun-tmp";
        check(Command.of("sh", "-c", "cat > \"$1\" && mv -f -- \"$1\" \"$2\"", "sh", temporary, path)
                .withStdin(content.getBytes(StandardCharsets.UTF_8)));
    }

    /** Space of the file system that holds the path. */
    default PathSpace space(String path) {
        String out = check(Command.of("df", "-P", "-B1", "--", path)).stdout();
        List<String> lines = out.lines().filter(line -> !line.isBlank()).toList();
        if (lines.size() < 2) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED,
                    address() + ": df printed no line for " + path);
        }
        String[] columns = lines.get(lines.size() - 1).trim().split("\\s+");
        try {
            return new PathSpace(path, Long.parseLong(columns[1]), Long.parseLong(columns[3]));
        } catch (RuntimeException e) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED,
                    address() + ": cannot read df output for " + path + ": " + lines.get(lines.size() - 1));
        }
    }

    /**
     * The address connections from this machine to {@code destination} leave from, as the
     * kernel's routing table chooses it ({@code ip route get}): what a server there sees as the
     * client's host. It is not this machine's hostaddr when the route goes out through another
     * interface (a machine behind a bridge or a namespace, a host with several networks).
     */
    default String sourceAddressTo(String destination) {
        String route = check(Command.of("ip", "-o", "route", "get", destination)).stdout();
        Matcher source = Pattern.compile("\\bsrc (\\S+)").matcher(route);
        if (!source.find()) {
            throw new ManagerException(ManagerException.Code.COMMAND_FAILED, address() + ": ip route get "
                    + destination + " names no source address: " + tail(route.strip(), 200));
        }
        return source.group(1);
    }

    @Override
    void close();

    private static String tail(String text, int max) {
        return text.length() <= max ? text : "..." + text.substring(text.length() - max);
    }
}
