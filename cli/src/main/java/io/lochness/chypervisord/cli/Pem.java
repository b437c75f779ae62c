package io.lochness.chypervisord.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** {@code --cacert}: a TLS context that trusts the CA certificates of a PEM file (and only those, as curl's). */
final class Pem {
    private Pem() {}

    /** The context; a file that is missing or holds no certificate is a usage error naming it. */
    static SSLContext sslContext(Path file, CommandLine commandLine) {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(file)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new ParameterException(commandLine, "--cacert " + file + ": cannot read it ("
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()) + ")");
        } catch (CertificateException e) {
            throw new ParameterException(commandLine, "--cacert " + file
                    + ": not a PEM file of certificates (" + oneLine(e) + ")");
        }
        if (certificates.isEmpty()) {
            throw new ParameterException(commandLine, "--cacert " + file + ": no certificate in it (a PEM file of "
                    + "'-----BEGIN CERTIFICATE-----' blocks is expected)");
        }
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                trusted.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new ParameterException(commandLine, "--cacert " + file + ": " + oneLine(e));
        }
    }

    private static String oneLine(Exception e) {
        String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return message.replaceAll("[\\r\\n]+", " ");
    }
}
