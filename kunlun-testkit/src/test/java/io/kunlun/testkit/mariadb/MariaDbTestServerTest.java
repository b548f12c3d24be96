package io.kunlun.testkit.mariadb;

import io.kunlun.testkit.ManagedProcesses;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The launcher's promises: its own directory, the unprivileged account, nothing left after close. */
class MariaDbTestServerTest {
    @Test
    void aServerRunsAsTheUnprivilegedAccountFromItsOwnDirectoryAndLeavesNothingWhenClosed() throws Exception {
        String expectedUser = "root".equals(System.getProperty("user.name"))
                ? MariaDbTestServer.RUN_AS : System.getProperty("user.name");
        MariaDbTestServer server = MariaDbTestServer.start("127.0.0.46");
        Path dir;
        ProcessHandle mariadbd;
        try (Connection admin = server.connectAsAdmin(); Statement statement = admin.createStatement();
             ResultSet rs = statement.executeQuery("SELECT @@datadir, @@socket, @@pid_file, @@log_error")) {
            rs.next();
            Path datadir = Path.of(rs.getString(1));
            dir = datadir.getParent();
            assertThat(List.of(rs.getString(2), rs.getString(3), rs.getString(4)))
                    .allSatisfy(file -> assertThat(Path.of(file).getParent()).isEqualTo(dir));
            long pid = Long.parseLong(Files.readString(Path.of(rs.getString(3))).strip());
            mariadbd = ProcessHandle.of(pid).orElseThrow();
            assertThat(mariadbd.info().user()).contains(expectedUser);
            assertThat(Files.getOwner(datadir).getName()).isEqualTo(expectedUser);
        } catch (RuntimeException | Error | SQLException e) {
            server.close();
            throw e;
        }

        server.close();

        assertThat(ManagedProcesses.isRunning(mariadbd)).isFalse();
        assertThat(dir).doesNotExist();
        assertThatThrownBy(server::connectAsAdmin).isInstanceOf(SQLException.class);
    }
}
