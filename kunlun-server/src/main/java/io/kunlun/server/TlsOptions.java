package io.kunlun.server;

import io.kunlun.core.config.SecretFiles;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The listener's certificate: either a certificate chain and its private key in PEM files, or a
 * keystore the JDK reads (PKCS#12 or JKS). Exactly one of the two forms must be given.
 *
 * @param certificate      PEM file with the server's certificate first, then any intermediates
 * @param privateKey       PEM file with the certificate's unencrypted PKCS#8 key ("BEGIN PRIVATE KEY")
 * @param keystore         a keystore with one private key entry
 * @param keystorePassword the keystore's password, also used for the key
 */
public record TlsOptions(Path certificate, Path privateKey, Path keystore, String keystorePassword) {
    private static final Pattern PEM_KEY = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");
    private static final char[] IN_MEMORY_PASSWORD = new char[0];

    public TlsOptions {
        boolean pem = certificate != null || privateKey != null;
        if (pem == (keystore != null)) {
            throw new IllegalArgumentException("server.tls needs either certificate and private_key (PEM files)"
                    + " or keystore, not both and not neither");
        }
        if (pem && (certificate == null || privateKey == null)) {
            throw new IllegalArgumentException("server.tls needs both certificate and private_key");
        }
    }

    public static TlsOptions pem(Path certificate, Path privateKey) {
        return new TlsOptions(certificate, privateKey, null, null);
    }

    public static TlsOptions keystore(Path keystore, String password) {
        return new TlsOptions(null, null, keystore, password);
    }

    /**
     * Reads the files; the message names the file and what is wrong with it. A key file or
     * keystore that group or others may access is refused before it is read.
     */
    SSLContext sslContext() {
        if (keystore != null) {
            SecretFiles.requirePrivate("server.tls.keystore", keystore);
        } else {
            SecretFiles.requirePrivate("server.tls.private_key", privateKey);
        }
        try {
            char[] password = keystore != null
                    ? Optional.ofNullable(keystorePassword).orElse("").toCharArray()
                    : IN_MEMORY_PASSWORD;
            KeyStore keys;
            if (keystore != null) {
                keys = read(keystore, () -> KeyStore.getInstance(keystore.toFile(), password));
            } else {
                keys = KeyStore.getInstance(KeyStore.getDefaultType());
                keys.load(null, null);
                Certificate[] chain = read(certificate, this::certificateChain);
                keys.setKeyEntry("server", read(privateKey, this::pemPrivateKey), password, chain);
            }
            KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            managers.init(keys, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(managers.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("server.tls: " + e.getMessage(), e);
        }
    }

    private Certificate[] certificateChain() throws GeneralSecurityException, IOException {
        try (var in = Files.newInputStream(certificate)) {
            Certificate[] chain = CertificateFactory.getInstance("X.509").generateCertificates(in)
                    .toArray(Certificate[]::new);
            if (chain.length == 0) {
                throw new GeneralSecurityException("no PEM certificate in it");
            }
            return chain;
        }
    }

    private PrivateKey pemPrivateKey() throws GeneralSecurityException, IOException {
        Matcher pem = PEM_KEY.matcher(Files.readString(privateKey, StandardCharsets.US_ASCII));
        if (!pem.find()) {
            throw new GeneralSecurityException("no unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----) in it;"
                    + " convert one with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(pem.group(1)));
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException notThisAlgorithm) {
                // The PEM header does not say the algorithm; the next one may read it.
            }
        }
        throw new GeneralSecurityException("the private key is none of " + KEY_ALGORITHMS);
    }

    private interface FileReader<T> {
        T read() throws GeneralSecurityException, IOException;
    }

    /** Names the file in the error, which the JDK's messages do not. */
    private static <T> T read(Path file, FileReader<T> reader) throws GeneralSecurityException, IOException {
        try {
            return reader.read();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(file + ": no such file", e);
        } catch (GeneralSecurityException | IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }
}
