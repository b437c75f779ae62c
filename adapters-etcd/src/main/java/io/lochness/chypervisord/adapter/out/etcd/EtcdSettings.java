package io.lochness.chypervisord.adapter.out.etcd;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How to reach etcd: client endpoints, optional credentials and the per-call deadline.
 *
 * <p>Endpoints are {@code http://host:port} or {@code https://host:port} URIs, all with the same
 * scheme; {@code https} turns TLS on, verified against the JVM's default trust store (the {@code
 * javax.net.ssl.trustStore} system properties, or the JDK's {@code cacerts}). Username and
 * password are both set or both absent; they never come from an address, only from the
 * environment ({@link #parse(String, Map)}).
 *
 * @param endpoints the client URLs of the cluster members, at least one
 * @param username the etcd user, or {@code null} without authentication
 * @param password the etcd user's password, or {@code null} without authentication
 * @param deadline the longest any one store call may take
 */
public record EtcdSettings(List<URI> endpoints, String username, String password, Duration deadline) {

    /** The deadline of a store call when none is configured. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(3);

    /** The environment variable holding the etcd user name. */
    public static final String USERNAME_ENV = "ETCD_USERNAME";

    /** The environment variable holding the etcd password. */
    public static final String PASSWORD_ENV = "ETCD_PASSWORD";

    private static final int DEFAULT_PORT = 2379;

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
                    "etcd username and password must be given together (" + USERNAME_ENV + ", "
                            + PASSWORD_ENV + ")");
        }
        if (username != null && username.isEmpty()) {
            throw new IllegalArgumentException("etcd username must not be empty");
        }
        Objects.requireNonNull(deadline, "deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive: " + deadline);
        }
    }

    /** Settings for {@code endpoints}, without credentials, with the default deadline. */
    public static EtcdSettings of(List<URI> endpoints) {
        return new EtcdSettings(endpoints, null, null, DEFAULT_DEADLINE);
    }

    /**
     * Parses a {@code --kv} address: {@code etcd://host:port[,host:port...]} (plain HTTP/2),
     * {@code http://host:port[,...]} or {@code https://host:port[,...]} (TLS). A missing port
     * means 2379. Credentials come from {@code ETCD_USERNAME} / {@code ETCD_PASSWORD} in {@code
     * env}; an address carrying user-info ({@code user:pw@host}) is refused so that no password
     * ends up on a command line.
     *
     * @throws IllegalArgumentException when the address is malformed
     */
    public static EtcdSettings parse(String address, Map<String, String> env) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(env, "env");
        int sep = address.indexOf("://");
        if (sep < 0) {
            throw new IllegalArgumentException(
                    "not an etcd address (expected etcd://host:port[,host:port...]): " + address);
        }
        String scheme = address.substring(0, sep).toLowerCase(Locale.ROOT);
        String uriScheme =
                switch (scheme) {
                    case "etcd", "http" -> "http";
                    case "https" -> "https";
                    default ->
                            throw new IllegalArgumentException(
                                    "unsupported etcd address scheme '" + scheme
                                            + "' (expected etcd, http or https): " + address);
                };
        String rest = address.substring(sep + 3);
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            if (!rest.substring(slash).equals("/")) {
                throw new IllegalArgumentException("an etcd address takes no path: " + address);
            }
            rest = rest.substring(0, slash);
        }
        if (rest.contains("@")) {
            throw new IllegalArgumentException(
                    "credentials are not accepted in the etcd address; set " + USERNAME_ENV
                            + " and " + PASSWORD_ENV + " instead");
        }
        if (rest.isBlank()) {
            throw new IllegalArgumentException("no etcd host in address: " + address);
        }
        List<URI> endpoints = new ArrayList<>();
        for (String hostPort : rest.split(",", -1)) {
            endpoints.add(endpoint(uriScheme, hostPort.strip(), address));
        }
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
        return new EtcdSettings(endpoints, username, password, DEFAULT_DEADLINE);
    }

    /** These settings with another per-call deadline. */
    public EtcdSettings withDeadline(Duration newDeadline) {
        return new EtcdSettings(endpoints, username, password, newDeadline);
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
            out.append(hostPort(endpoint));
        }
        return out.toString();
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "EtcdSettings[endpoints=" + endpoints + ", username=" + username
                + ", password=" + (password == null ? null : "***") + ", deadline=" + deadline + "]";
    }

    private static String hostPort(URI endpoint) {
        String host = endpoint.getHost();
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host)
                + ":" + endpoint.getPort();
    }

    private static URI endpoint(String scheme, String hostPort, String address) {
        if (hostPort.isEmpty()) {
            throw new IllegalArgumentException("empty host in etcd address: " + address);
        }
        URI uri;
        try {
            uri = new URI(scheme + "://" + hostPort);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "bad host:port '" + hostPort + "' in etcd address: " + address, e);
        }
        if (uri.getHost() == null || uri.getRawPath() != null && !uri.getRawPath().isEmpty()
                || uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException(
                    "bad host:port '" + hostPort + "' in etcd address: " + address);
        }
        if (uri.getPort() == -1) {
            if (hostPort.endsWith(":")) {
                throw new IllegalArgumentException(
                        "missing port in '" + hostPort + "' in etcd address: " + address);
            }
            uri = URI.create(scheme + "://" + hostPort + ":" + DEFAULT_PORT);
        }
        checkEndpoint(uri);
        return uri;
    }

    private static void checkEndpoint(URI endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        String scheme = endpoint.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("etcd endpoint must be http or https: " + endpoint);
        }
        if (endpoint.getRawUserInfo() != null) {
            throw new IllegalArgumentException(
                    "credentials are not accepted in an etcd endpoint; set " + USERNAME_ENV
                            + " and " + PASSWORD_ENV + " instead");
        }
        if (endpoint.getHost() == null) {
            throw new IllegalArgumentException("etcd endpoint has no host: " + endpoint);
        }
        if (endpoint.getPort() < 1 || endpoint.getPort() > 65535) {
            throw new IllegalArgumentException("etcd endpoint needs a port in 1-65535: " + endpoint);
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
