package io.lochness.chypervisord.adapter.out.kv.spi;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The store a {@code --kv} address names, parsed once: its scheme and its {@code host:port}
 * endpoints. Launchers and store modules take this value, never the text.
 *
 * <p>The forms:
 *
 * <ul>
 *   <li>{@code etcd://host[:port][,host[:port]...]}: etcd over plain HTTP/2; a missing port is
 *       {@value #ETCD_PORT};
 *   <li>{@code consul://host[:port]}: one Consul agent; a missing port is {@value #CONSUL_PORT};
 *   <li>{@code http://host:port[,...]} and {@code https://host:port[,...]}: a store the scheme
 *       does not name (etcd unless the launcher finds Consul answering there; the default
 *       address {@value #DEFAULT} is one), so the port is required; {@code https} means TLS;
 *   <li>{@code mem://} or {@code memory://}: the in-memory store, with no endpoint.
 * </ul>
 *
 * <p>The scheme is case-insensitive; one trailing {@code /} is accepted; IPv6 hosts go in
 * brackets ({@code [::1]:2379}). Anything else (user-info, a path, a query, an empty or repeated
 * endpoint, a port outside 1-65535, several Consul agents) is refused with an {@link
 * IllegalArgumentException} whose message is one line that names the problem and never echoes
 * user-info (credentials belong in the environment).
 */
public record StoreAddress(Scheme scheme, List<Endpoint> endpoints) {

    /** The address used when none is given, as the original lochness daemons did. */
    public static final String DEFAULT = "http://localhost:4001";

    /** etcd's client port, the port of an {@code etcd://} host without one. */
    public static final int ETCD_PORT = 2379;

    /** Consul's HTTP port, the port of a {@code consul://} host without one. */
    public static final int CONSUL_PORT = 8500;

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,5}");

    /** What the address's scheme says about the store. */
    public enum Scheme {
        /** {@code etcd://}: etcd, plain HTTP/2. */
        ETCD("etcd"),
        /** {@code consul://}: Consul over HTTP. */
        CONSUL("consul"),
        /** {@code mem://}: the in-memory store. */
        MEMORY("mem"),
        /** {@code http://}: etcd, or Consul when the launcher finds it there; no TLS. */
        HTTP("http"),
        /** {@code https://}: as {@code http://}, with TLS. */
        HTTPS("https");

        private final String text;

        Scheme(String text) {
            this.text = text;
        }

        /** The scheme as written in an address, e.g. {@code etcd}. */
        public String text() {
            return text;
        }
    }

    /** One {@code host:port}; an IPv6 host is kept without brackets. */
    public record Endpoint(String host, int port) {
        public Endpoint {
            Objects.requireNonNull(host, "host");
            if (host.isEmpty()) {
                throw new IllegalArgumentException("empty host");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is outside 1-65535");
            }
        }

        /** {@code host:port}, with an IPv6 host in brackets. */
        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    public StoreAddress {
        Objects.requireNonNull(scheme, "scheme");
        endpoints = List.copyOf(endpoints);
        if (scheme == Scheme.MEMORY && !endpoints.isEmpty()) {
            throw new IllegalArgumentException("the memory store has no endpoint");
        }
        if (scheme != Scheme.MEMORY && endpoints.isEmpty()) {
            throw new IllegalArgumentException("a " + scheme.text() + ":// address needs at least one host");
        }
        if (scheme == Scheme.CONSUL && endpoints.size() > 1) {
            throw new IllegalArgumentException("a consul:// address names one agent");
        }
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException with a one-line message when it is malformed
     */
    public static StoreAddress parse(String text) {
        Objects.requireNonNull(text, "text");
        String address = text.strip();
        int sep = address.indexOf("://");
        if (sep <= 0) {
            throw invalid(address, "want scheme://host:port (etcd, consul, http, https or mem)");
        }
        String schemeText = address.substring(0, sep).toLowerCase(Locale.ROOT);
        Scheme scheme = switch (schemeText) {
            case "etcd" -> Scheme.ETCD;
            case "consul" -> Scheme.CONSUL;
            case "mem", "memory" -> Scheme.MEMORY;
            case "http" -> Scheme.HTTP;
            case "https" -> Scheme.HTTPS;
            default -> throw invalid(address, "unknown scheme " + schemeText + "://, want etcd://, consul://, http(s):// or mem://");
        };
        String rest = address.substring(sep + 3);
        if (rest.indexOf('@') >= 0) {
            throw invalid(address, "credentials go in the environment (ETCD_USERNAME/ETCD_PASSWORD, CONSUL_HTTP_TOKEN), not in the address");
        }
        if (rest.indexOf('?') >= 0 || rest.indexOf('#') >= 0) {
            throw invalid(address, "an address has no query or fragment");
        }
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            if (slash != rest.length() - 1) {
                throw invalid(address, "an address has no path");
            }
            rest = rest.substring(0, slash);
        }
        if (scheme == Scheme.MEMORY) {
            if (!rest.isEmpty()) {
                throw invalid(address, "the memory store takes no host, write mem://");
            }
            return new StoreAddress(scheme, List.of());
        }
        if (rest.isEmpty()) {
            throw invalid(address, "no host");
        }
        String[] parts = rest.split(",", -1);
        if (scheme == Scheme.CONSUL && parts.length > 1) {
            throw invalid(address, "a consul:// address names one agent");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String part : parts) {
            Endpoint endpoint = endpoint(address, scheme, part);
            if (!seen.add(endpoint.toString().toLowerCase(Locale.ROOT))) {
                throw invalid(address, "endpoint " + endpoint + " is listed twice");
            }
            endpoints.add(endpoint);
        }
        return new StoreAddress(scheme, endpoints);
    }

    /** Whether the address asks for TLS ({@code https://}). */
    public boolean tls() {
        return scheme == Scheme.HTTPS;
    }

    /** The endpoints as {@code host:port}, comma-separated (empty for the memory store). */
    public String hostPorts() {
        return String.join(",", endpoints.stream().map(Endpoint::toString).toList());
    }

    /** The address in its canonical form, e.g. {@code etcd://a:2379,b:2379}; it parses back to this value. */
    @Override
    public String toString() {
        return scheme.text() + "://" + hostPorts();
    }

    private static Endpoint endpoint(String address, Scheme scheme, String part) {
        if (part.isEmpty()) {
            throw invalid(address, "empty endpoint");
        }
        String host;
        String port;
        if (part.startsWith("[")) {
            int close = part.indexOf(']');
            if (close < 0) {
                throw invalid(address, "endpoint " + part + " has no closing ]");
            }
            host = part.substring(1, close);
            if (!IPV6.matcher(host).matches() || host.indexOf(':') < 0) {
                throw invalid(address, "endpoint " + part + " is not a bracketed IPv6 address");
            }
            String after = part.substring(close + 1);
            if (!after.isEmpty() && !after.startsWith(":")) {
                throw invalid(address, "endpoint " + part + " has text after ]");
            }
            port = after.isEmpty() ? null : after.substring(1);
        } else {
            int colon = part.indexOf(':');
            if (colon >= 0 && part.indexOf(':', colon + 1) >= 0) {
                throw invalid(address, "endpoint " + part + ": an IPv6 host goes in brackets, e.g. [::1]:2379");
            }
            host = colon < 0 ? part : part.substring(0, colon);
            port = colon < 0 ? null : part.substring(colon + 1);
            if (host.isEmpty()) {
                throw invalid(address, "endpoint " + part + " has no host");
            }
            if (!HOST_NAME.matcher(host).matches()) {
                throw invalid(address, "bad host '" + host + "' (letters, digits, '.', '-' and '_' only)");
            }
        }
        return new Endpoint(host, port(address, scheme, part, port));
    }

    private static int port(String address, Scheme scheme, String part, String port) {
        if (port == null) {
            return switch (scheme) {
                case ETCD -> ETCD_PORT;
                case CONSUL -> CONSUL_PORT;
                default -> throw invalid(address, "endpoint " + part + " needs a port: "
                        + scheme.text() + ":// does not say which store (etcd:// and consul:// do)");
            };
        }
        if (port.isEmpty()) {
            throw invalid(address, "endpoint " + part + " has ':' but no port");
        }
        int value = DIGITS.matcher(port).matches() ? Integer.parseInt(port) : -1;
        if (value < 1 || value > 65535) {
            throw invalid(address, "endpoint " + part + ": port '" + port + "' is not a number from 1 to 65535");
        }
        return value;
    }

    private static IllegalArgumentException invalid(String address, String why) {
        return new IllegalArgumentException(
                ("invalid store address " + redact(address) + ": " + why).replaceAll("\\p{Cntrl}", "?"));
    }

    /** The address with any user-info replaced by {@code ***}. */
    private static String redact(String address) {
        String shown = address;
        int sep = shown.indexOf("://");
        int at = shown.lastIndexOf('@');
        if (at >= 0) {
            shown = (sep >= 0 && sep < at ? shown.substring(0, sep + 3) : "") + "***" + shown.substring(at);
        }
        return shown.length() > 200 ? shown.substring(0, 200) + "..." : shown;
    }
}
