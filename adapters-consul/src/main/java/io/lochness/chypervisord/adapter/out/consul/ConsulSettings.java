package io.lochness.chypervisord.adapter.out.consul;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how to reach Consul: the agent's HTTP(S) endpoint, the ACL token, the datacenter,
 * the TLS files and the request limits of the Consul servers.
 *
 * <p>Built by {@link #parse(String, Map)} from the {@code --kv} address and the environment
 * variables Consul's own CLI reads: {@code CONSUL_HTTP_ADDR} (used only when {@code --kv} names no
 * host: the flag wins), {@code CONSUL_HTTP_TOKEN} (sent as {@code X-Consul-Token}), {@code
 * CONSUL_CACERT}, {@code CONSUL_CLIENT_CERT}, {@code CONSUL_CLIENT_KEY} and {@code
 * CONSUL_TLS_SERVER_NAME} (used for {@code https} endpoints, as Consul's CLI does). {@code
 * CONSUL_DATACENTER} (sent as {@code ?dc=}) is chypervisord's own: Consul's CLI has a {@code
 * -datacenter} flag and no such variable. The limits come from {@code
 * CHYPERVISORD_CONSUL_TXN_MAX_OPS}, {@code CHYPERVISORD_CONSUL_KV_MAX_VALUE_SIZE} and {@code
 * CHYPERVISORD_CONSUL_TXN_MAX_REQ_LEN} (defaults: Consul's own, see {@link Limits#DEFAULT}).
 *
 * @param endpoint the agent's base URI: scheme {@code http} or {@code https}, host and port, no
 *     path, no user-info
 * @param token the ACL token, or {@code null} to send none
 * @param datacenter the datacenter, or {@code null} for the agent's own
 * @param tls the TLS files and server name ({@link Tls#NONE}: the JVM's trust store)
 * @param limits what the Consul servers accept in one request
 */
public record ConsulSettings(URI endpoint, String token, String datacenter, Tls tls, Limits limits) {

    /** Environment variable holding the ACL token. */
    public static final String TOKEN_ENV = "CONSUL_HTTP_TOKEN";

    /** Environment variable holding the agent's address when {@code --kv} names no host. */
    public static final String ADDRESS_ENV = "CONSUL_HTTP_ADDR";

    /** Environment variable holding the datacenter (chypervisord's, not Consul's). */
    public static final String DATACENTER_ENV = "CONSUL_DATACENTER";

    /** PEM file of the CA certificate(s) that sign the Consul servers' certificates. */
    public static final String CA_CERT_ENV = "CONSUL_CACERT";

    /** PEM file of the client certificate (Consul's {@code verify_incoming}). */
    public static final String CLIENT_CERT_ENV = "CONSUL_CLIENT_CERT";

    /** PEM file of the client certificate's private key (PKCS#8, PKCS#1 RSA or SEC1 EC). */
    public static final String CLIENT_KEY_ENV = "CONSUL_CLIENT_KEY";

    /** The name to send as SNI and to check the server certificate against, instead of the host. */
    public static final String TLS_SERVER_NAME_ENV = "CONSUL_TLS_SERVER_NAME";

    /** The most operations one transaction may hold (Consul: 128 since 1.14, 64 before). */
    public static final String TXN_MAX_OPS_ENV = "CHYPERVISORD_CONSUL_TXN_MAX_OPS";

    /** The largest value Consul accepts, in bytes (Consul's {@code kv_max_value_size}). */
    public static final String KV_MAX_VALUE_SIZE_ENV = "CHYPERVISORD_CONSUL_KV_MAX_VALUE_SIZE";

    /** The largest transaction body Consul accepts, in bytes (Consul's {@code txn_max_req_len}). */
    public static final String TXN_MAX_REQ_LEN_ENV = "CHYPERVISORD_CONSUL_TXN_MAX_REQ_LEN";

    /** Consul's default HTTP port, used when a {@code consul://} or {@code http://} address has none. */
    public static final int DEFAULT_HTTP_PORT = 8500;

    /** Consul's default HTTPS port, used when an {@code https://} address has none. */
    public static final int DEFAULT_HTTPS_PORT = 8501;

    /** Consul's CLI default address, used when neither {@code --kv} nor {@code CONSUL_HTTP_ADDR} names one. */
    public static final String DEFAULT_ADDRESS = "127.0.0.1:8500";

    /**
     * TLS material, as Consul's CLI takes it: every field may be null. A client certificate and
     * its key come together.
     */
    public record Tls(Path caCert, Path clientCert, Path clientKey, String serverName) {
        /** No files: the JVM's default trust store, no client certificate, the URL's host. */
        public static final Tls NONE = new Tls(null, null, null, null);

        public Tls {
            if ((clientCert == null) != (clientKey == null)) {
                throw new IllegalArgumentException(
                        CLIENT_CERT_ENV + " and " + CLIENT_KEY_ENV + " must be set together");
            }
            serverName = blankToNull(serverName);
        }

        /** Whether anything differs from {@link #NONE}. */
        public boolean configured() {
            return caCert != null || clientCert != null || serverName != null;
        }
    }

    /**
     * What one request to Consul may hold; the adapter checks these before sending.
     *
     * @param maxTxnOperations operations per {@code /v1/txn} (Consul 1.14+: 128; before: 64)
     * @param maxValueBytes bytes per value, as stored (Consul's {@code kv_max_value_size})
     * @param maxTxnBytes bytes of the transaction's JSON body, values base64-encoded (Consul's
     *     {@code txn_max_req_len}; Consul uses the larger of the two)
     */
    public record Limits(int maxTxnOperations, int maxValueBytes, int maxTxnBytes) {
        /** Consul's defaults: 128 operations, 512 KiB per value, 512 KiB per transaction body. */
        public static final Limits DEFAULT = new Limits(128, 512 * 1024, 512 * 1024);

        public Limits {
            if (maxTxnOperations < 1 || maxValueBytes < 1 || maxTxnBytes < 1) {
                throw new IllegalArgumentException("Consul limits must be positive");
            }
            // Consul's txn endpoint: "KVMaxValueSize is used as the max txn request length if it
            // is configured greater than TxnMaxReqLen" (agent/txn_endpoint.go, convertOps).
            maxTxnBytes = Math.max(maxTxnBytes, maxValueBytes);
        }
    }

    public ConsulSettings {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(limits, "limits");
        String scheme = endpoint.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("endpoint must be http or https: " + endpoint);
        }
        if (endpoint.getHost() == null || endpoint.getPort() <= 0) {
            throw new IllegalArgumentException("endpoint needs a host and a port: " + endpoint);
        }
        if (endpoint.getRawUserInfo() != null) {
            throw new IllegalArgumentException("endpoint must not carry user-info");
        }
        token = blankToNull(token);
        datacenter = blankToNull(datacenter);
    }

    /** Settings without TLS files and with Consul's default limits. */
    public ConsulSettings(URI endpoint, String token, String datacenter) {
        this(endpoint, token, datacenter, Tls.NONE, Limits.DEFAULT);
    }

    /** These settings with other limits. */
    public ConsulSettings withLimits(Limits other) {
        return new ConsulSettings(endpoint, token, datacenter, tls, other);
    }

    /** These settings with other TLS material. */
    public ConsulSettings withTls(Tls other) {
        return new ConsulSettings(endpoint, token, datacenter, other, limits);
    }

    /**
     * Parses a {@code --kv} address ({@code consul://host[:port]}, {@code http://host[:port]} or
     * {@code https://host[:port]}) and reads the token, datacenter, TLS files and limits from
     * {@code env}. An address without a host ({@code consul://} or {@code consul:}) takes {@code
     * CONSUL_HTTP_ADDR} ({@code host:port}, {@code http://host:port} or {@code https://host:port},
     * as Consul's CLI reads it), else {@value #DEFAULT_ADDRESS}.
     *
     * @throws IllegalArgumentException when the address is malformed, has another scheme, or
     *     carries user-info, a path, a query or a fragment (credentials go in {@code
     *     CONSUL_HTTP_TOKEN}, never in the address); when only one of the client certificate and
     *     key is set; when a limit is not a positive number
     */
    public static ConsulSettings parse(String address, Map<String, String> env) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(env, "env");
        String stripped = address.strip();
        String lower = stripped.toLowerCase(Locale.ROOT);
        if (lower.equals("consul:") || lower.equals("consul://")) {
            String fromEnv = blankToNull(env.get(ADDRESS_ENV));
            stripped = fromEnv == null ? DEFAULT_ADDRESS : fromEnv;
            if (stripped.toLowerCase(Locale.ROOT).startsWith("unix://")) {
                throw new IllegalArgumentException(ADDRESS_ENV + " names a unix socket; chypervisord speaks TCP only");
            }
            if (!stripped.contains("://")) {
                stripped = "http://" + stripped;
            }
        }
        URI endpoint = endpoint(stripped, address);
        Tls tls =
                new Tls(
                        path(env, CA_CERT_ENV),
                        path(env, CLIENT_CERT_ENV),
                        path(env, CLIENT_KEY_ENV),
                        env.get(TLS_SERVER_NAME_ENV));
        Limits limits =
                new Limits(
                        positive(env, TXN_MAX_OPS_ENV, Limits.DEFAULT.maxTxnOperations()),
                        positive(env, KV_MAX_VALUE_SIZE_ENV, Limits.DEFAULT.maxValueBytes()),
                        positive(env, TXN_MAX_REQ_LEN_ENV, Limits.DEFAULT.maxTxnBytes()));
        return new ConsulSettings(endpoint, env.get(TOKEN_ENV), env.get(DATACENTER_ENV), tls, limits);
    }

    /** {@link #parse(String, Map)} with the process environment. */
    public static ConsulSettings parse(String address) {
        return parse(address, System.getenv());
    }

    private static URI endpoint(String text, String original) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a Consul address: " + redact(original), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String httpScheme =
                switch (scheme) {
                    case "consul", "http" -> "http";
                    case "https" -> "https";
                    default ->
                            throw new IllegalArgumentException(
                                    "a Consul address is consul://, http:// or https://host:port, not: "
                                            + redact(original));
                };
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(
                    "user-info in the Consul address is refused; set " + TOKEN_ENV + " instead");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("no host in the Consul address: " + redact(original));
        }
        String path = uri.getRawPath();
        if ((path != null && !path.isEmpty() && !"/".equals(path))
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(
                    "a Consul address has no path, query or fragment: " + redact(original));
        }
        int port = uri.getPort();
        if (port < 0) {
            port = "https".equals(httpScheme) ? DEFAULT_HTTPS_PORT : DEFAULT_HTTP_PORT;
        }
        try {
            return new URI(httpScheme, null, uri.getHost(), port, null, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a Consul address: " + redact(original), e);
        }
    }

    private static Path path(Map<String, String> env, String name) {
        String value = blankToNull(env.get(name));
        return value == null ? null : Path.of(value);
    }

    private static int positive(Map<String, String> env, String name, int otherwise) {
        String value = blankToNull(env.get(name));
        if (value == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a positive whole number, not: " + value);
    }

    /** The settings without the token in clear: safe for logs. */
    @Override
    public String toString() {
        return "ConsulSettings[endpoint="
                + endpoint
                + ", token="
                + (token == null ? "none" : "<redacted>")
                + ", datacenter="
                + (datacenter == null ? "default" : datacenter)
                + ", tls="
                + (tls.configured() ? tls : "jvm-default")
                + ", limits="
                + limits
                + "]";
    }

    /** The token, if one is set. */
    public Optional<String> tokenIfAny() {
        return Optional.ofNullable(token);
    }

    /** The datacenter, if one is set. */
    public Optional<String> datacenterIfAny() {
        return Optional.ofNullable(datacenter);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** The address with anything before an {@code @} in its authority hidden. */
    private static String redact(String address) {
        return address.replaceAll("//[^/@]*@", "//<redacted>@");
    }
}
