package io.lochness.chypervisord.bootstrap;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Which store {@code --kv} names, and its address. {@code mem://} is the in-memory store; {@code
 * etcd://host:port[,host:port...]} and {@code consul://host:port} name their store; {@code
 * http(s)://host:port} asks the address what it is (etcd first, then Consul), as the original
 * did, and falls back to etcd when nothing answers yet, so chypervisord may start before its
 * store.
 */
public record StoreChoice(Backend backend, String address) {

    /** Answers what kind of store listens at an {@code http(s)://} address. */
    @FunctionalInterface
    public interface Probe {
        /** ETCD, CONSUL, or null when nothing recognisable answered. */
        Backend identify(String address);
    }

    public static StoreChoice of(String kv, Probe probe) {
        int sep = kv.indexOf("://");
        if (sep <= 0) {
            throw new UsageException("invalid --kv " + kv + ": want scheme://host:port (etcd, consul, http, https or mem)");
        }
        String scheme = kv.substring(0, sep).toLowerCase(Locale.ROOT);
        String rest = kv.substring(sep + 3);
        return switch (scheme) {
            case "mem", "memory" -> new StoreChoice(Backend.MEMORY, kv);
            case "etcd" -> {
                for (String endpoint : rest.split(",", -1)) {
                    hostPort(kv, endpoint);
                }
                yield new StoreChoice(Backend.ETCD, kv);
            }
            case "consul" -> {
                hostPort(kv, rest);
                yield new StoreChoice(Backend.CONSUL, kv);
            }
            case "http", "https" -> {
                for (String endpoint : rest.split(",", -1)) {
                    hostPort(kv, endpoint);
                }
                Backend found = rest.contains(",") ? Backend.ETCD : probe.identify(kv);
                yield new StoreChoice(found == null ? Backend.ETCD : found, kv);
            }
            default -> throw new UsageException(
                    "unknown --kv scheme " + scheme + "://: want etcd://, consul://, http(s):// or mem://");
        };
    }

    private static void hostPort(String kv, String endpoint) {
        String e = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        try {
            URI uri = new URI("tcp://" + e);
            if (uri.getHost() == null || uri.getPort() < 1 || uri.getPort() > 65535
                    || uri.getUserInfo() != null || !(uri.getPath() == null || uri.getPath().isEmpty())) {
                throw new URISyntaxException(e, "want host:port");
            }
        } catch (URISyntaxException ex) {
            throw new UsageException("invalid --kv " + kv + ": endpoint " + endpoint + " is not host:port with a port from 1 to 65535"
                    + (e.contains("@") ? " (credentials go in the environment, not the address)" : ""));
        }
    }
}
