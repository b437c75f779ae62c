package io.lochness.chypervisord.bootstrap;

import io.lochness.chypervisord.adapter.out.kv.spi.StoreAddress;

/**
 * Which store {@code --kv} names, and its address, parsed once ({@link StoreAddress}) for every
 * store module. {@code mem://} is the in-memory store; {@code etcd://host[:port][,...]} (port
 * 2379 by default) and {@code consul://host[:port]} (8500) name their store; {@code
 * http(s)://host:port} asks the address what it is (etcd first, then Consul), as the original
 * did, and falls back to etcd when nothing answers yet, so chypervisord may start before its
 * store. A bare {@code consul://} takes the agent from {@code CONSUL_HTTP_ADDR}, as Consul's own
 * CLI does ({@code address} is then null).
 */
public record StoreChoice(Backend backend, StoreAddress address) {

    /** Answers what kind of store listens at an {@code http(s)://} address. */
    @FunctionalInterface
    public interface Probe {
        /** ETCD, CONSUL, or null when nothing recognisable answered. */
        Backend identify(String address);
    }

    public static StoreChoice of(String kv, Probe probe) {
        String bare = kv.strip();
        if (bare.equalsIgnoreCase("consul://") || bare.equalsIgnoreCase("consul:///")) {
            return new StoreChoice(Backend.CONSUL, null);
        }
        StoreAddress address;
        try {
            address = StoreAddress.parse(kv);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage().replaceFirst("^invalid store address ", "invalid --kv "));
        }
        return switch (address.scheme()) {
            case MEMORY -> new StoreChoice(Backend.MEMORY, address);
            case ETCD -> new StoreChoice(Backend.ETCD, address);
            case CONSUL -> new StoreChoice(Backend.CONSUL, address);
            case HTTP, HTTPS -> {
                Backend found = address.endpoints().size() > 1 ? Backend.ETCD : probe.identify(address.toString());
                yield new StoreChoice(found == null ? Backend.ETCD : found, address);
            }
        };
    }

    /** The address as written in logs and {@code /observe/info}. */
    public String text() {
        return address == null ? "consul:// (CONSUL_HTTP_ADDR)" : address.toString();
    }
}
