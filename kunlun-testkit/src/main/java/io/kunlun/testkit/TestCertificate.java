package io.kunlun.testkit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed server certificate for one address, made by the JDK's keytool, in the forms a
 * TLS listener is configured with: a PKCS#12 keystore, and PEM certificate and PKCS#8 key files
 * (the keystore and the key private, as the manager requires).
 */
public record TestCertificate(Path keystore, String keystorePassword, Path certificatePem, Path privateKeyPem) {
    private static final long KEYTOOL_SECONDS = 60;

    /** Writes the files into {@code directory}; the certificate names {@code address} (an IP) as its subject. */
    public static TestCertificate forAddress(String address, Path directory) {
        Path keystore = directory.resolve("server.p12");
        String password = "test-keystore-password";
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        run(List.of(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + address, "-ext", "SAN=ip:" + address, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", password, "-keypass", password));
        try {
            KeyStore keys = KeyStore.getInstance(keystore.toFile(), password.toCharArray());
            Certificate certificate = keys.getCertificate("server");
            byte[] key = keys.getKey("server", password.toCharArray()).getEncoded();
            Path certificatePem = Files.writeString(directory.resolve("server.crt"),
                    pem("CERTIFICATE", certificate.getEncoded()), StandardCharsets.US_ASCII);
            Path privateKeyPem = Files.writeString(directory.resolve("server.key"), pem("PRIVATE KEY", key),
                    StandardCharsets.US_ASCII);
            for (Path secret : List.of(keystore, privateKeyPem)) {
                Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
            }
            return new TestCertificate(keystore, password, certificatePem, privateKeyPem);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the keystore keytool made: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A TLS context for clients that trusts this certificate only. */
    public SSLContext trustingIt() {
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            trusted.setCertificateEntry("server",
                    KeyStore.getInstance(keystore.toFile(), keystorePassword.toCharArray()).getCertificate("server"));
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static void run(List<String> command) {
        try {
            Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!keytool.waitFor(KEYTOOL_SECONDS, TimeUnit.SECONDS)) {
                keytool.destroyForcibly();
                throw new IllegalStateException("keytool did not finish within " + KEYTOOL_SECONDS + " s");
            }
            String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (keytool.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while keytool ran", e);
        }
    }
}
