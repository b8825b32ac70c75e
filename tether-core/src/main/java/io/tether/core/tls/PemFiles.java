package io.tether.core.tls;

import io.tether.core.config.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files a TLS config names, and refuses a wrong one at startup with a message that
 * names the config key, the file and what is wrong with it (missing, unreadable, not PEM, a key
 * where a certificate belongs, an encrypted or PKCS#1 key, a key that does not belong to the
 * certificate), rather than letting the first handshake fail with an engine's error code.
 *
 * <p>Keys are read as unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}), the form both engines take;
 * the JDK reads it without help, so no PEM library is needed.
 */
public final class PemFiles {
    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA"};

    private PemFiles() {
    }

    /** A certificate chain (the leaf first) and its private key, read and checked to belong together. */
    public record Identity(X509Certificate[] chain, PrivateKey key) {
    }

    /**
     * Reads a certificate chain and its key, and checks that the key is the certificate's
     * ({@link #checkPair}); every fault names the key and the file.
     */
    public static Identity identity(String certKey, Path certFile, String keyKey, Path keyFile) {
        X509Certificate[] chain = certificates(certKey, certFile);
        PrivateKey key = privateKey(keyKey, keyFile);
        checkPair(certKey, certFile, chain[0], keyKey, keyFile, key);
        return new Identity(chain, key);
    }

    /** The certificates in {@code file}, in file order (a chain: the leaf first); at least one. */
    public static X509Certificate[] certificates(String key, Path file) {
        String text = read(key, file);
        if (!text.contains("-----BEGIN CERTIFICATE-----")) {
            if (text.contains("PRIVATE KEY-----")) {
                throw new ConfigException(key + ": " + file + " holds a private key, not a certificate"
                        + " (are the certificate and key files swapped?)");
            }
            throw new ConfigException(key + ": " + file + " has no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        Collection<? extends java.security.cert.Certificate> all;
        try {
            all = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            throw new ConfigException(key + ": " + file + " is not a valid PEM certificate: " + e.getMessage(), e);
        }
        List<X509Certificate> certs = new ArrayList<>();
        for (java.security.cert.Certificate c : all) {
            certs.add((X509Certificate) c);
        }
        if (certs.isEmpty()) {
            throw new ConfigException(key + ": " + file + " has no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return certs.toArray(new X509Certificate[0]);
    }

    /** The unencrypted PKCS#8 private key in {@code file}. */
    public static PrivateKey privateKey(String key, Path file) {
        String text = read(key, file);
        Matcher m = PKCS8.matcher(text);
        if (!m.find()) {
            String convert = "; convert it with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem";
            if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
                throw new ConfigException(key + ": " + file + " is an encrypted key; Tether reads unencrypted PKCS#8 keys" + convert);
            }
            if (text.contains("-----BEGIN RSA PRIVATE KEY-----") || text.contains("-----BEGIN EC PRIVATE KEY-----")) {
                throw new ConfigException(key + ": " + file + " is a PKCS#1/SEC1 key (BEGIN RSA/EC PRIVATE KEY);"
                        + " Tether reads PKCS#8 keys (BEGIN PRIVATE KEY)" + convert);
            }
            if (text.contains("-----BEGIN CERTIFICATE-----")) {
                throw new ConfigException(key + ": " + file + " holds a certificate, not a private key"
                        + " (are the certificate and key files swapped?)");
            }
            throw new ConfigException(key + ": " + file + " has no PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + ": " + file + " is not valid PEM: " + e.getMessage(), e);
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm; try the next
            }
        }
        throw new ConfigException(key + ": " + file + " is not a private key this JVM can read (tried "
                + String.join(", ", KEY_ALGORITHMS) + ")");
    }

    /**
     * Refuses a key that does not belong to the certificate: signs a few random bytes with the key
     * and checks them with the certificate's public key. The JDK's engine would otherwise accept the
     * pair and fail every handshake.
     */
    public static void checkPair(String certKey, Path certFile, X509Certificate cert, String keyKey, Path keyFile, PrivateKey key) {
        String algorithm = signatureAlgorithm(key.getAlgorithm());
        if (algorithm == null) {
            return; // no plain signature to test with (RSASSA-PSS needs parameters): the handshake will tell
        }
        boolean matches;
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(challenge);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false; // e.g. an EC key against an RSA certificate
        }
        if (!matches) {
            throw new ConfigException(keyKey + ": " + keyFile + " is not the private key of the certificate in "
                    + certKey + " " + certFile + " (" + cert.getSubjectX500Principal().getName() + ")");
        }
    }

    /** A warning for the log when {@code cert} is not valid now, or null. */
    public static String validityWarning(String key, Path file, X509Certificate cert) {
        Date now = new Date();
        if (now.after(cert.getNotAfter())) {
            return key + ": the certificate in " + file + " (" + cert.getSubjectX500Principal().getName() + ") expired on "
                    + cert.getNotAfter().toInstant() + "; clients that verify it will refuse to connect";
        }
        if (now.before(cert.getNotBefore())) {
            return key + ": the certificate in " + file + " (" + cert.getSubjectX500Principal().getName() + ") is not valid before "
                    + cert.getNotBefore().toInstant() + "; clients that verify it will refuse to connect";
        }
        return null;
    }

    private static String signatureAlgorithm(String keyAlgorithm) {
        switch (keyAlgorithm) {
            case "RSA":
                return "SHA256withRSA";
            case "EC":
                return "SHA256withECDSA";
            case "DSA":
                return "SHA256withDSA";
            case "Ed25519":
            case "Ed448":
            case "EdDSA":
                return keyAlgorithm;
            default:
                return null;
        }
    }

    private static String read(String key, Path file) {
        try {
            if (Files.isDirectory(file)) {
                throw new ConfigException(key + ": " + file + " is a directory, not a PEM file");
            }
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new ConfigException(key + ": " + file + " does not exist", e);
        } catch (AccessDeniedException e) {
            throw new ConfigException(key + ": " + file + " cannot be read (permission denied)", e);
        } catch (IOException e) {
            throw new ConfigException(key + ": " + file + " cannot be read: " + e, e);
        }
    }
}
