package io.kunlun.testkit.ssh;

import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One exec request of {@link MinaSshServer}: the command line runs as {@code sh -c <line>} as the
 * user of this JVM, as OpenSSH runs it with the user's shell, with the channel's streams and exit
 * status wired to the process.
 */
final class ShellExecCommand implements Command {
    private final String commandLine;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private Process process;

    ShellExecCommand(String commandLine) {
        this.commandLine = commandLine;
    }

    @Override
    public void setInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
        this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
        this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) throws IOException {
        process = new ProcessBuilder("sh", "-c", commandLine).start();
        pump("stdin", in, process.getOutputStream());
        Thread stdout = pump("stdout", process.getInputStream(), out);
        Thread stderr = pump("stderr", process.getErrorStream(), err);
        Thread waiter = new Thread(() -> {
            try {
                int status = process.waitFor();
                // Everything the command wrote must be on the channel before its exit status.
                stdout.join();
                stderr.join();
                exit.onExit(status);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "mina-exec-wait");
        waiter.setDaemon(true);
        waiter.start();
    }

    /** Copies until the source ends, then closes the sink (for stdin: the command sees its end). */
    private static Thread pump(String name, InputStream from, OutputStream to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (to) {
                int read;
                while ((read = from.read(buffer)) >= 0) {
                    to.write(buffer, 0, read);
                    to.flush();
                }
            } catch (IOException e) {
                // The other side went away: the command ended or the channel closed.
            }
        }, "mina-exec-" + name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    @Override
    public void destroy(ChannelSession channel) {
        if (process != null && process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
