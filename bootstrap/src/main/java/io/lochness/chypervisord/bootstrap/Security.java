package io.lochness.chypervisord.bootstrap;

import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsClientAuth;
import io.helidon.common.tls.TlsConfig;
import io.lochness.chypervisord.adapter.in.http.AccessRules;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * Where the service listens and who may use it: {@code --address}, {@code --tls-cert}/{@code
 * --tls-key} (HTTPS only), {@code --tls-client-ca} (mutual TLS), {@code --auth-file} (access rules)
 * and {@code --allowed-origins}. The files are read at start and again on SIGHUP.
 */
public record Security(String address, Path tlsCert, Path tlsKey, Path tlsClientCa, Path authFile,
        List<String> allowedOrigins) {

    public Security {
        allowedOrigins = List.copyOf(allowedOrigins);
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new UsageException("--tls-cert and --tls-key go together");
        }
        if (tlsClientCa != null && tlsCert == null) {
            throw new UsageException("--tls-client-ca needs --tls-cert and --tls-key (mutual TLS is TLS)");
        }
    }

    /** All interfaces, plain HTTP, no access rules, no web origin allowed. */
    public static Security none() {
        return new Security(null, null, null, null, null, List.of());
    }

    public boolean tls() {
        return tlsCert != null;
    }

    /** The access rules from {@code --auth-file}, or empty without one; a bad file is a UsageException naming it. */
    Optional<AccessRules> loadRules() {
        if (authFile == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(AccessRules.parse(Files.readAllLines(authFile, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UsageException("cannot read --auth-file " + authFile + ": " + describe(e));
        } catch (IllegalArgumentException e) {
            throw new UsageException("bad --auth-file " + authFile + ", " + e.getMessage());
        }
    }

    /** The TLS setup from the PEM files, or empty for plain HTTP; a bad file is a UsageException naming it. */
    Optional<Tls> loadTls() {
        if (!tls()) {
            return Optional.empty();
        }
        readable(tlsCert, "--tls-cert");
        readable(tlsKey, "--tls-key");
        Keys keys;
        try {
            keys = Keys.builder().pem(pem -> pem.key(Resource.create(tlsKey)).certChain(Resource.create(tlsCert))).build();
        } catch (RuntimeException e) {
            throw new UsageException("cannot read --tls-cert " + tlsCert + " and --tls-key " + tlsKey + " as PEM: " + e.getMessage());
        }
        if (keys.privateKey().isEmpty() || keys.certChain().isEmpty()) {
            throw new UsageException("--tls-key " + tlsKey + " must hold a PEM private key and --tls-cert " + tlsCert
                    + " a PEM certificate");
        }
        TlsConfig.Builder tls = Tls.builder()
                .privateKey(keys.privateKey().get())
                .privateKeyCertChain(keys.certChain());
        if (tlsClientCa != null) {
            readable(tlsClientCa, "--tls-client-ca");
            List<X509Certificate> cas;
            try {
                cas = Keys.builder().pem(pem -> pem.certificates(Resource.create(tlsClientCa))).build().certs();
            } catch (RuntimeException e) {
                throw new UsageException("cannot read --tls-client-ca " + tlsClientCa + " as PEM: " + e.getMessage());
            }
            if (cas.isEmpty()) {
                throw new UsageException("--tls-client-ca " + tlsClientCa + " holds no PEM certificate");
            }
            tls.trust(cas).clientAuth(TlsClientAuth.REQUIRED);
        }
        try {
            return Optional.of(tls.build());
        } catch (RuntimeException e) {
            throw new UsageException("cannot use --tls-cert " + tlsCert + " and --tls-key " + tlsKey + ": " + e.getMessage());
        }
    }

    /** The server certificate's subject and expiry, for the log. */
    String describeCertificate(Tls tls) {
        return tls.prototype().privateKeyCertChain().stream().findFirst()
                .map(c -> c.getSubjectX500Principal().getName() + " (valid until " + c.getNotAfter().toInstant() + ")")
                .orElse("?");
    }

    private static void readable(Path file, String flag) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new UsageException("cannot read " + flag + " " + file + ": no such readable file");
        }
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
