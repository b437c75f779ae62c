package io.lochness.chypervisord.adapter.out.consul;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS to Consul as Consul's own clients do it: the CA from {@code CONSUL_CACERT}, a client
 * certificate and key from {@code CONSUL_CLIENT_CERT} / {@code CONSUL_CLIENT_KEY} (for servers
 * with {@code verify_incoming}), and {@code CONSUL_TLS_SERVER_NAME} as the name sent in SNI and
 * checked against the server's certificate instead of the address's host.
 *
 * <p>PEM only, read once at construction; a missing or unreadable file is an {@link
 * IllegalArgumentException} naming the variable and the file. Keys may be PKCS#8 ({@code PRIVATE
 * KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}, what {@code consul tls
 * cert create} writes); encrypted keys are refused.
 */
final class ConsulTls {
    private static final Pattern PEM =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    /** The pieces OkHttp takes. */
    record Material(SSLSocketFactory socketFactory, X509TrustManager trustManager, boolean serverNameChecked) {}

    private ConsulTls() {}

    static Material load(ConsulSettings.Tls tls) {
        try {
            X509TrustManager trust = trustManager(tls.caCert());
            KeyManager[] keys = null;
            if (tls.clientCert() != null) {
                List<X509Certificate> chain = certificates(tls.clientCert(), ConsulSettings.CLIENT_CERT_ENV);
                PrivateKey key = privateKey(tls.clientKey());
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                store.setKeyEntry("client", key, new char[0], chain.toArray(new Certificate[0]));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(store, new char[0]);
                keys = kmf.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, new TrustManager[] {trust}, null);
            SSLSocketFactory factory = context.getSocketFactory();
            if (tls.serverName() != null) {
                factory = new ServerNameSocketFactory(factory, tls.serverName());
            }
            return new Material(factory, trust, tls.serverName() != null);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("Consul TLS setup failed: " + e.getMessage(), e);
        }
    }

    private static X509TrustManager trustManager(Path caCert) throws GeneralSecurityException, IOException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (caCert == null) {
            tmf.init((KeyStore) null);
        } else {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (X509Certificate ca : certificates(caCert, ConsulSettings.CA_CERT_ENV)) {
                store.setCertificateEntry("ca-" + i++, ca);
            }
            tmf.init(store);
        }
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager available");
    }

    private static List<X509Certificate> certificates(Path file, String variable) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block block : blocks(file, variable)) {
                if (block.type().equals("CERTIFICATE")) {
                    out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(variable + " " + file + ": not a PEM certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(variable + " " + file + ": no PEM certificate in the file");
        }
        return out;
    }

    private static PrivateKey privateKey(Path file) {
        String variable = ConsulSettings.CLIENT_KEY_ENV;
        for (Block block : blocks(file, variable)) {
            byte[] pkcs8 =
                    switch (block.type()) {
                        case "PRIVATE KEY" -> block.der();
                        case "RSA PRIVATE KEY" -> pkcs8(RSA_ALGORITHM, block.der());
                        case "EC PRIVATE KEY" -> pkcs8(ecAlgorithm(block.der(), file), block.der());
                        case "ENCRYPTED PRIVATE KEY" ->
                                throw new IllegalArgumentException(
                                        variable + " " + file + ": encrypted keys are not supported");
                        default -> null;
                    };
            if (pkcs8 == null) {
                continue;
            }
            for (String algorithm : List.of("EC", "RSA", "Ed25519", "EdDSA")) {
                try {
                    return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
                } catch (GeneralSecurityException e) {
                    // try the next algorithm
                }
            }
            throw new IllegalArgumentException(variable + " " + file + ": not an EC, RSA or Ed25519 private key");
        }
        throw new IllegalArgumentException(variable + " " + file + ": no PEM private key in the file");
    }

    private record Block(String type, byte[] der) {}

    private static List<Block> blocks(Path file, String variable) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(variable + " " + file + ": cannot read: " + e.getMessage(), e);
        }
        List<Block> blocks = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            try {
                blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(variable + " " + file + ": bad PEM base64", e);
            }
        }
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException(variable + " " + file + ": not a PEM file");
        }
        return blocks;
    }

    // --- the least DER needed to wrap PKCS#1 and SEC1 keys as PKCS#8 ---------------------------

    /** AlgorithmIdentifier rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters. */
    private static final byte[] RSA_ALGORITHM =
            tlv(0x30, concat(tlv(0x06, new byte[] {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01}),
                    new byte[] {0x05, 0x00}));

    /** OID id-ecPublicKey (1.2.840.10045.2.1). */
    private static final byte[] EC_PUBLIC_KEY_OID =
            tlv(0x06, new byte[] {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01});

    /** PrivateKeyInfo { version 0, algorithm, OCTET STRING key }. */
    private static byte[] pkcs8(byte[] algorithm, byte[] key) {
        return tlv(0x30, concat(new byte[] {0x02, 0x01, 0x00}, algorithm, tlv(0x04, key)));
    }

    /** The AlgorithmIdentifier of a SEC1 ECPrivateKey, from its {@code [0]} named curve. */
    private static byte[] ecAlgorithm(byte[] sec1, Path file) {
        // ECPrivateKey ::= SEQUENCE { version INTEGER, privateKey OCTET STRING,
        //                            parameters [0] ECParameters OPTIONAL, publicKey [1] OPTIONAL }
        int[] pos = {0};
        int[] seq = header(sec1, pos);
        if (seq[0] != 0x30) {
            throw new IllegalArgumentException(ConsulSettings.CLIENT_KEY_ENV + " " + file + ": not a SEC1 EC key");
        }
        int end = pos[0] + seq[1];
        while (pos[0] < end) {
            int start = pos[0];
            int[] h = header(sec1, pos);
            if (h[0] == 0xa0) {
                int[] oid = header(sec1, pos);
                if (oid[0] == 0x06) {
                    byte[] content = java.util.Arrays.copyOfRange(sec1, pos[0], pos[0] + oid[1]);
                    return tlv(0x30, concat(EC_PUBLIC_KEY_OID, tlv(0x06, content)));
                }
            }
            pos[0] = start;
            header(sec1, pos);
            pos[0] += h[1];
        }
        throw new IllegalArgumentException(
                ConsulSettings.CLIENT_KEY_ENV + " " + file + ": the EC key does not name its curve");
    }

    /** Reads a tag and a length at {@code pos}; leaves {@code pos} at the content. */
    private static int[] header(byte[] der, int[] pos) {
        int tag = der[pos[0]++] & 0xff;
        int length = der[pos[0]++] & 0xff;
        if (length >= 0x80) {
            int n = length & 0x7f;
            length = 0;
            for (int i = 0; i < n; i++) {
                length = (length << 8) | (der[pos[0]++] & 0xff);
            }
        }
        return new int[] {tag, length};
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /**
     * Connects TLS in the configured server's name: it is the host the JDK sends in SNI and
     * checks the certificate against (endpoint identification "HTTPS"), whatever host the URL
     * has, as Go's {@code tls.Config.ServerName} does for Consul's CLI.
     */
    private static final class ServerNameSocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        private final String serverName;

        ServerNameSocketFactory(SSLSocketFactory delegate, String serverName) {
            this.delegate = delegate;
            this.serverName = serverName;
        }

        private Socket configure(Socket socket) {
            if (socket instanceof SSLSocket ssl) {
                SSLParameters parameters = ssl.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(parameters);
            }
            return socket;
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return configure(delegate.createSocket(s, serverName, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return configure(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return configure(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return configure(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return configure(delegate.createSocket(address, port, localAddress, localPort));
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }
    }
}
