package io.kunlun.testkit.http;

import io.kunlun.server.Serve;
import io.kunlun.server.ServeConfig;
import io.kunlun.server.ServerOptions;
import io.kunlun.server.TlsOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The configuration file's "server" section, as docs/configuration.md describes it. */
class ServerSectionTest {
    @TempDir
    Path directory;

    private Path file(String json) throws Exception {
        return file(json, "rw-------");
    }

    private Path file(String json, String mode) throws Exception {
        Path file = Files.writeString(directory.resolve("kunlun.json"), json);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    @Test
    void aFileOthersMayReadIsRefusedWhenItHoldsAnAccessToken() throws Exception {
        Path config = file("{\"server\":{\"access_token\":\"s3cret\"}}", "rw-r--r--");

        assertThatThrownBy(() -> ServeConfig.load(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the configuration file: permissions 0644 for " + config + " are too open: it holds a"
                        + " secret, and accounts other than its owner may read or change it;"
                        + " make it private with: chmod 600 " + config);
    }

    @Test
    void aFileTheGroupMayReadIsRefusedWhenItHoldsTheMetadataPasswordOrTheKeystorePassword() throws Exception {
        Path metadata = file("{\"metadata\":{\"jdbc_url\":\"jdbc:mariadb://127.0.0.1/kunlun\",\"password\":\"pw\"}}",
                "rw-r-----");
        assertThatThrownBy(() -> ServeConfig.load(metadata)).hasMessageStartingWith("the configuration file: permissions 0640");

        Path keystore = file("{\"server\":{\"tls\":{\"keystore\":\"/a.p12\",\"keystore_password\":\"pw\"}}}",
                "rw-r-----");
        assertThatThrownBy(() -> ServeConfig.load(keystore)).hasMessageStartingWith("the configuration file: permissions 0640");
    }

    @Test
    void aFileWithoutSecretsMayBeReadByOthers() throws Exception {
        Path config = file("{\"server\":{\"port\":57001}}", "rw-r--r--");

        assertThat(ServeConfig.load(config).server().port()).isEqualTo(57001);
    }

    @Test
    void originsHostsTlsAndTimeoutsAreRead() throws Exception {
        Path config = file("""
                {"server":{"bind":"127.0.0.179","port":57001,
                 "allowed_origins":["https://xpanel.example.com"],"allowed_hosts":["Kunlun.Example.com"],
                 "tls":{"certificate":"/etc/kunlun/server.crt","private_key":"/etc/kunlun/server.key"},
                 "request_parse_timeout_seconds":3,"idle_timeout_seconds":30,"startup_wait_seconds":45}}""");

        ServerOptions server = ServeConfig.load(config).server();

        assertThat(server.allowedOrigins()).containsExactly("https://xpanel.example.com");
        assertThat(server.allowedHosts()).containsExactly("kunlun.example.com");
        assertThat(server.tls()).contains(TlsOptions.pem(Path.of("/etc/kunlun/server.crt"),
                Path.of("/etc/kunlun/server.key")));
        assertThat(server.timeouts()).isEqualTo(new ServerOptions.Timeouts(Duration.ofSeconds(3), Duration.ofSeconds(30),
                Duration.ofSeconds(45)));
        assertThat(server.scheme()).isEqualTo("https");
    }

    @Test
    void withoutThemNoOriginNoOtherNamePlainHttpAndTheDefaultTimeouts() throws Exception {
        ServerOptions server = ServeConfig.load(file("{\"server\":{\"port\":57001}}")).server();

        assertThat(server.allowedOrigins()).isEmpty();
        assertThat(server.allowedHosts()).isEmpty();
        assertThat(server.tls()).isEmpty();
        assertThat(server.timeouts()).isEqualTo(ServerOptions.Timeouts.DEFAULT);
    }

    @Test
    void flagsKeepWhatTheFileSaysAboutOriginsHostsAndTls() throws Exception {
        Path config = file("""
                {"server":{"allowed_hosts":["kunlun.example.com"],
                 "tls":{"keystore":"/etc/kunlun/server.p12","keystore_password":"pw"}}}""");

        ServerOptions server = Serve.resolve(new Serve.Flags(config, directory, 0, "127.0.0.179", false, false))
                .server();

        assertThat(server.bind()).isEqualTo("127.0.0.179");
        assertThat(server.allowedHosts()).containsExactly("kunlun.example.com");
        assertThat(server.tls()).contains(TlsOptions.keystore(Path.of("/etc/kunlun/server.p12"), "pw"));
    }

    @Test
    void tlsWithBothFormsIsRefusedNamingTheFile() throws Exception {
        Path config = file("""
                {"server":{"tls":{"certificate":"/a.crt","private_key":"/a.key","keystore":"/a.p12"}}}""");

        assertThatThrownBy(() -> ServeConfig.load(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(config + ": server.tls needs either certificate and private_key (PEM files) or keystore,"
                        + " not both and not neither");
    }

    @Test
    void aTimeoutOfZeroIsRefused() throws Exception {
        Path config = file("{\"server\":{\"idle_timeout_seconds\":0}}");

        assertThatThrownBy(() -> ServeConfig.load(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(config + ": server timeouts must be positive, got request parse 10 s, idle 0 s and"
                        + " startup 30 s");
    }
}
