import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Loads the benchmark's hypervisors, either straight into etcd or through chypervisord's HTTP API.
 * Run as a single-file source program:
 *
 * <pre>
 * java bench/Loader.java etcd ETCD_URL COUNT DATA_FILE [PUTS_PER_TXN] [IN_FLIGHT]
 * java bench/Loader.java http SERVICE_URL DATA_FILE FROM_LINE [IN_FLIGHT]
 * </pre>
 *
 * <p>{@code etcd} makes COUNT new hypervisors in the lochness layout through etcd's JSON gateway
 * ({@code POST /v3/kv/txn}, PUTS_PER_TXN puts per transaction (default 128, etcd's default
 * {@code --max-txn-ops}), IN_FLIGHT transactions at once (default 8)), and appends one line per
 * hypervisor to DATA_FILE: {@code ID SUBNET1 SUBNET2 GUEST}. Each hypervisor gets 8 keys:
 * {@code metadata} (the record JSON), 4 {@code config/key0..3} = {@code value0..3}, 2
 * {@code subnets/{uuid}} = {@code br0}/{@code br1}, 1 {@code guests/{uuid}}.
 *
 * <p>{@code http} replays DATA_FILE from line FROM_LINE (0-based) on to a chypervisord: per
 * hypervisor {@code POST /hypervisors} with the same id and record, then {@code PATCH .../config}
 * (the 4 keys) and {@code PATCH .../subnets} (the 2 subnets) at once; IN_FLIGHT hypervisors at a
 * time (default 16). Guests cannot be written through the API (other lochness daemons write them
 * into the store), so a service loaded this way has no guests.
 *
 * <p>Prints nothing on success; exits 1 with the first failure otherwise. Not timed by the
 * benchmark's scenarios (the benchmark reports how long the load into etcd took).
 */
public final class Loader {
    static final Base64.Encoder B64 = Base64.getEncoder();

    public static void main(String[] args) throws Exception {
        try {
            if (args.length >= 4 && args[0].equals("etcd")) {
                loadEtcd(args[1], Integer.parseInt(args[2]), Path.of(args[3]),
                        args.length > 4 ? Integer.parseInt(args[4]) : 128, args.length > 5 ? Integer.parseInt(args[5]) : 8);
            } else if (args.length >= 4 && args[0].equals("http")) {
                loadHttp(args[1], Path.of(args[2]), Integer.parseInt(args[3]), args.length > 4 ? Integer.parseInt(args[4]) : 16);
            } else {
                System.err.println("usage: java Loader.java etcd ETCD_URL COUNT DATA_FILE [PUTS_PER_TXN] [IN_FLIGHT]\n"
                        + "       java Loader.java http SERVICE_URL DATA_FILE FROM_LINE [IN_FLIGHT]");
                System.exit(2);
            }
        } catch (RuntimeException e) {
            System.err.println("Loader: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    static HttpClient client() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    static void loadEtcd(String url, int count, Path dataFile, int putsPerTxn, int inFlight) throws Exception {
        URI txn = URI.create(url.replaceAll("/+$", "") + "/v3/kv/txn");
        HttpClient client = client();
        StringBuilder lines = new StringBuilder();
        List<String[]> puts = new ArrayList<>(count * 8);
        for (int i = 0; i < count; i++) {
            String id = UUID.randomUUID().toString();
            String s1 = UUID.randomUUID().toString();
            String s2 = UUID.randomUUID().toString();
            String guest = UUID.randomUUID().toString();
            lines.append(id).append(' ').append(s1).append(' ').append(s2).append(' ').append(guest).append('\n');
            String p = "lochness/hypervisors/" + id + "/";
            puts.add(new String[] {p + "metadata", record(id)});
            for (int k = 0; k < 4; k++) {
                puts.add(new String[] {p + "config/key" + k, "value" + k});
            }
            puts.add(new String[] {p + "subnets/" + s1, "br0"});
            puts.add(new String[] {p + "subnets/" + s2, "br1"});
            puts.add(new String[] {p + "guests/" + guest, ""});
        }

        Semaphore window = new Semaphore(inFlight);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (int from = 0; from < puts.size() && failure.get() == null; from += putsPerTxn) {
            StringBuilder body = new StringBuilder("{\"success\":[");
            int to = Math.min(puts.size(), from + putsPerTxn);
            for (int i = from; i < to; i++) {
                if (i > from) {
                    body.append(',');
                }
                body.append("{\"request_put\":{\"key\":\"").append(b64(puts.get(i)[0]))
                        .append("\",\"value\":\"").append(b64(puts.get(i)[1])).append("\"}}");
            }
            body.append("]}");
            HttpRequest request = HttpRequest.newBuilder(txn)
                    .timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                    .build();
            window.acquire();
            pending.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .thenAccept(response -> {
                        if (response.statusCode() != 200 || !response.body().contains("\"succeeded\":true")) {
                            throw new IllegalStateException("etcd refused a load txn: HTTP " + response.statusCode() + " "
                                    + abbreviate(response.body()));
                        }
                    })
                    .whenComplete((ok, error) -> {
                        if (error != null) {
                            failure.compareAndSet(null, error.getCause() != null ? error.getCause() : error);
                        }
                        window.release();
                    }));
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        if (failure.get() != null) {
            throw new IllegalStateException(String.valueOf(failure.get()), failure.get());
        }
        append(dataFile, lines);
    }

    static void loadHttp(String url, Path dataFile, int fromLine, int inFlight) throws Exception {
        String base = url.replaceAll("/+$", "");
        HttpClient client = client();
        List<String> lines = Files.readAllLines(dataFile, StandardCharsets.UTF_8);
        Semaphore window = new Semaphore(inFlight);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        String config = "{\"key0\":\"value0\",\"key1\":\"value1\",\"key2\":\"value2\",\"key3\":\"value3\"}";
        for (int i = fromLine; i < lines.size() && failure.get() == null; i++) {
            String[] f = lines.get(i).trim().split(" ");
            if (f.length < 3) {
                throw new IllegalStateException(dataFile + " line " + (i + 1) + ": want ID SUBNET1 SUBNET2 [GUEST]");
            }
            String id = f[0];
            String subnets = "{\"" + f[1] + "\":\"br0\",\"" + f[2] + "\":\"br1\"}";
            window.acquire();
            pending.add(send(client, "POST", base + "/hypervisors", record(id), 201)
                    .thenCompose(ok -> CompletableFuture.allOf(
                            send(client, "PATCH", base + "/hypervisors/" + id + "/config", config, 200),
                            send(client, "PATCH", base + "/hypervisors/" + id + "/subnets", subnets, 200)))
                    .whenComplete((ok, error) -> {
                        if (error != null) {
                            failure.compareAndSet(null, error.getCause() != null ? error.getCause() : error);
                        }
                        window.release();
                    }));
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        if (failure.get() != null) {
            throw new IllegalStateException(String.valueOf(failure.get()), failure.get());
        }
    }

    static CompletableFuture<Void> send(HttpClient client, String method, String uri, String body, int want) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(uri))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenAccept(response -> {
            if (response.statusCode() != want) {
                throw new IllegalStateException(method + " " + uri + " answered " + response.statusCode() + ", not " + want
                        + ": " + abbreviate(response.body()));
            }
        });
    }

    static void append(Path file, CharSequence text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    static String record(String id) {
        return "{\"id\":\"" + id + "\",\"metadata\":{},\"ip\":\"10.0.0.1\",\"netmask\":\"255.255.255.0\","
                + "\"gateway\":\"10.0.0.254\",\"mac\":\"52:54:00:12:34:56\","
                + "\"total_resources\":{\"memory\":1024,\"disk\":1024,\"cpu\":1},"
                + "\"available_resources\":{\"memory\":1024,\"disk\":1024,\"cpu\":1}}";
    }

    static String b64(String s) {
        return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
