package io.lochness.chypervisord.adapter.out.etcd;

import io.lochness.chypervisord.adapter.out.kv.spi.StoreAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How to reach etcd: client endpoints, optional credentials, optional TLS files and the per-call
 * deadline.
 *
 * <p>Endpoints are {@code http://host:port} or {@code https://host:port} URIs, all with the same
 * scheme; {@code https} turns TLS on, verified against {@code caCert} when set, else against the
 * JVM's default trust store; {@code clientCert} and {@code clientKey} (PEM; the key unencrypted
 * PKCS#8, as {@code openssl genpkey} writes it) are the client certificate for etcd's {@code
 * --client-cert-auth}. Username and password are both set or both absent; credentials and files
 * never come from an address, only from the environment ({@link #from(StoreAddress, Map)}).
 *
 * @param endpoints the client URLs of the cluster members, at least one
 * @param username the etcd user, or {@code null} without authentication
 * @param password the etcd user's password, or {@code null} without authentication
 * @param deadline the longest any one store call may take
 * @param caCert the CA certificates (PEM) that sign etcd's server certificates, or {@code null}
 * @param clientCert the client certificate chain (PEM), or {@code null}
 * @param clientKey the client certificate's private key (PEM, PKCS#8), or {@code null}
 */
public record EtcdSettings(
        List<URI> endpoints,
        String username,
        String password,
        Duration deadline,
        Path caCert,
        Path clientCert,
        Path clientKey) {

    /** The deadline of a store call when none is configured. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(3);

    /** The environment variable holding the etcd user name. */
    public static final String USERNAME_ENV = "ETCD_USERNAME";

    /** The environment variable holding the etcd password. */
    public static final String PASSWORD_ENV = "ETCD_PASSWORD";

    /** The environment variable naming the CA file (as etcdctl's {@code ETCDCTL_CACERT}). */
    public static final String CACERT_ENV = "ETCD_CACERT";

    /** The environment variable naming the client certificate file. */
    public static final String CERT_ENV = "ETCD_CERT";

    /** The environment variable naming the client key file. */
    public static final String KEY_ENV = "ETCD_KEY";

    public EtcdSettings {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one etcd endpoint is required");
        }
        String scheme = null;
        for (URI endpoint : endpoints) {
            checkEndpoint(endpoint);
            if (scheme != null && !scheme.equals(endpoint.getScheme())) {
                throw new IllegalArgumentException(
                        "etcd endpoints must all use the same scheme (http or https): " + endpoints);
            }
            scheme = endpoint.getScheme();
        }
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException(
                    "etcd username and password must be given together (" + USERNAME_ENV + ", " + PASSWORD_ENV + ")");
        }
        if (username != null && username.isEmpty()) {
            throw new IllegalArgumentException("etcd username must not be empty");
        }
        Objects.requireNonNull(deadline, "deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive: " + deadline);
        }
        if ((clientCert == null) != (clientKey == null)) {
            throw new IllegalArgumentException(
                    "a client certificate needs both " + CERT_ENV + " and " + KEY_ENV);
        }
        if ((caCert != null || clientCert != null) && !"https".equals(scheme)) {
            throw new IllegalArgumentException(
                    (caCert != null ? CACERT_ENV : CERT_ENV) + " is set but the etcd endpoints are not https://");
        }
        checkReadable(CACERT_ENV, caCert);
        checkReadable(CERT_ENV, clientCert);
        checkReadable(KEY_ENV, clientKey);
    }

    /** Settings for {@code endpoints}, without credentials or TLS files, with the default deadline. */
    public static EtcdSettings of(List<URI> endpoints) {
        return new EtcdSettings(endpoints, null, null, DEFAULT_DEADLINE, null, null, null);
    }

    /**
     * Settings for a parsed store address ({@code etcd://}, {@code http://} or {@code https://};
     * {@code etcd://} is plain HTTP/2), with credentials from {@code ETCD_USERNAME} / {@code
     * ETCD_PASSWORD} and TLS files from {@code ETCD_CACERT}, {@code ETCD_CERT}, {@code ETCD_KEY}
     * in {@code env}.
     *
     * @throws IllegalArgumentException with a one-line message when the address is not etcd's,
     *     the credentials are half given, or a TLS file is missing, unreadable or given for a
     *     plain endpoint
     */
    public static EtcdSettings from(StoreAddress address, Map<String, String> env) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(env, "env");
        String uriScheme = switch (address.scheme()) {
            case ETCD, HTTP -> "http";
            case HTTPS -> "https";
            default -> throw new IllegalArgumentException(
                    "not an etcd address (scheme " + address.scheme().text() + "://, want etcd://, http:// or https://): " + address);
        };
        List<URI> endpoints = address.endpoints().stream()
                .map(endpoint -> URI.create(uriScheme + "://" + endpoint))
                .toList();
        String username = blankToNull(env.get(USERNAME_ENV));
        String password = env.get(PASSWORD_ENV);
        if (username == null && password != null && !password.isEmpty()) {
            throw new IllegalArgumentException(PASSWORD_ENV + " is set but " + USERNAME_ENV + " is not");
        }
        if (username == null) {
            password = null;
        } else if (password == null) {
            password = "";
        }
        return new EtcdSettings(endpoints, username, password, DEFAULT_DEADLINE,
                path(env, CACERT_ENV), path(env, CERT_ENV), path(env, KEY_ENV));
    }

    /** {@link #from(StoreAddress, Map)} of {@link StoreAddress#parse(String) a parsed} {@code address}. */
    public static EtcdSettings parse(String address, Map<String, String> env) {
        return from(StoreAddress.parse(address), env);
    }

    /** These settings with another per-call deadline. */
    public EtcdSettings withDeadline(Duration newDeadline) {
        return new EtcdSettings(endpoints, username, password, newDeadline, caCert, clientCert, clientKey);
    }

    /** These settings with credentials. */
    public EtcdSettings withCredentials(String newUsername, String newPassword) {
        return new EtcdSettings(endpoints, newUsername, newPassword, deadline, caCert, clientCert, clientKey);
    }

    /** Whether the endpoints are {@code https}. */
    public boolean tls() {
        return "https".equals(endpoints.get(0).getScheme());
    }

    /** Whether a user name and password are configured. */
    public boolean authenticated() {
        return username != null;
    }

    /** The endpoints as {@code host:port}, comma-separated. */
    public String hostPorts() {
        StringBuilder out = new StringBuilder();
        for (URI endpoint : endpoints) {
            if (!out.isEmpty()) {
                out.append(',');
            }
            String host = endpoint.getHost();
            out.append(host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host)
                    .append(':')
                    .append(endpoint.getPort());
        }
        return out.toString();
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "EtcdSettings[endpoints=" + endpoints + ", username=" + username
                + ", password=" + (password == null ? null : "***") + ", deadline=" + deadline
                + (caCert == null ? "" : ", caCert=" + caCert)
                + (clientCert == null ? "" : ", clientCert=" + clientCert + ", clientKey=" + clientKey) + "]";
    }

    private static void checkEndpoint(URI endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        String scheme = endpoint.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("etcd endpoint must be http or https: " + endpoint);
        }
        if (endpoint.getRawUserInfo() != null) {
            throw new IllegalArgumentException(
                    "credentials are not accepted in an etcd endpoint; set " + USERNAME_ENV + " and "
                            + PASSWORD_ENV + " instead");
        }
        if (endpoint.getHost() == null) {
            throw new IllegalArgumentException("etcd endpoint has no host: " + endpoint);
        }
        if (endpoint.getPort() < 1 || endpoint.getPort() > 65535) {
            throw new IllegalArgumentException("etcd endpoint needs a port in 1-65535: " + endpoint);
        }
    }

    private static Path path(Map<String, String> env, String name) {
        String value = blankToNull(env.get(name));
        if (value == null) {
            return null;
        }
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(name + "=" + value + " is not a file name");
        }
    }

    private static void checkReadable(String name, Path file) {
        if (file == null) {
            return;
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(name + "=" + file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(name + "=" + file + ": not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(name + "=" + file + ": not readable by this user");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
