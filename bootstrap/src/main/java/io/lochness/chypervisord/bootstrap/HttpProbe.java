package io.lochness.chypervisord.bootstrap;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Tells etcd from Consul at an {@code http(s)://} address: etcd answers {@code GET /version} with
 * {@code {"etcdserver": ...}}; Consul answers {@code GET /v1/status/leader}. One second each.
 */
final class HttpProbe implements StoreChoice.Probe {
    private static final System.Logger LOG = System.getLogger(HttpProbe.class.getName());
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    @Override
    public Backend identify(String address) {
        String base = address.endsWith("/") ? address.substring(0, address.length() - 1) : address;
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build()) {
            if (get(client, base + "/version").map(b -> b.contains("etcdserver")).orElse(false)) {
                return Backend.ETCD;
            }
            if (get(client, base + "/v1/status/leader").isPresent()) {
                return Backend.CONSUL;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "nothing answers at " + address + " yet; assuming etcd and waiting for it");
        return null;
    }

    private static java.util.Optional<String> get(HttpClient client, String url) {
        try {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? java.util.Optional.of(response.body()) : java.util.Optional.empty();
        } catch (java.io.IOException | IllegalArgumentException e) {
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
    }
}
