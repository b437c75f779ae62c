package io.lochness.chypervisord.adapter.out.consul;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how to reach Consul: the agent's HTTP(S) endpoint, the ACL token and the datacenter.
 *
 * <p>Built by {@link #parse(String, Map)} from the {@code --kv} address and Consul's usual
 * environment variables: {@code CONSUL_HTTP_TOKEN} (sent as {@code X-Consul-Token}) and {@code
 * CONSUL_DATACENTER} (sent as {@code ?dc=}). HTTPS uses the JVM's default trust store.
 *
 * @param endpoint the agent's base URI: scheme {@code http} or {@code https}, host and port, no
 *     path, no user-info
 * @param token the ACL token, or {@code null} to send none
 * @param datacenter the datacenter, or {@code null} for the agent's own
 */
public record ConsulSettings(URI endpoint, String token, String datacenter) {

    /** Environment variable holding the ACL token. */
    public static final String TOKEN_ENV = "CONSUL_HTTP_TOKEN";

    /** Environment variable holding the datacenter. */
    public static final String DATACENTER_ENV = "CONSUL_DATACENTER";

    /** Consul's default HTTP port, used when a {@code consul://} or {@code http://} address has none. */
    public static final int DEFAULT_HTTP_PORT = 8500;

    /** Consul's default HTTPS port, used when an {@code https://} address has none. */
    public static final int DEFAULT_HTTPS_PORT = 8501;

    public ConsulSettings {
        Objects.requireNonNull(endpoint, "endpoint");
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

    /**
     * Parses a {@code --kv} address ({@code consul://host[:port]}, {@code http://host[:port]} or
     * {@code https://host[:port]}) and reads the token and datacenter from {@code env}.
     *
     * @throws IllegalArgumentException when the address is malformed, has another scheme, or
     *     carries user-info, a path, a query or a fragment (credentials go in {@code
     *     CONSUL_HTTP_TOKEN}, never in the address)
     */
    public static ConsulSettings parse(String address, Map<String, String> env) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(env, "env");
        URI uri;
        try {
            uri = new URI(address.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a Consul address: " + redact(address), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String httpScheme =
                switch (scheme) {
                    case "consul", "http" -> "http";
                    case "https" -> "https";
                    default ->
                            throw new IllegalArgumentException(
                                    "a Consul address is consul://, http:// or https://host:port, not: "
                                            + redact(address));
                };
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(
                    "user-info in the Consul address is refused; set " + TOKEN_ENV + " instead");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("no host in the Consul address: " + address);
        }
        String path = uri.getRawPath();
        if ((path != null && !path.isEmpty() && !"/".equals(path))
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(
                    "a Consul address has no path, query or fragment: " + address);
        }
        int port = uri.getPort();
        if (port < 0) {
            port = "https".equals(httpScheme) ? DEFAULT_HTTPS_PORT : DEFAULT_HTTP_PORT;
        }
        URI endpoint;
        try {
            endpoint = new URI(httpScheme, null, uri.getHost(), port, null, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a Consul address: " + address, e);
        }
        return new ConsulSettings(endpoint, env.get(TOKEN_ENV), env.get(DATACENTER_ENV));
    }

    /** {@link #parse(String, Map)} with the process environment. */
    public static ConsulSettings parse(String address) {
        return parse(address, System.getenv());
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
