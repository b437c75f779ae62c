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

/**
 * Loads hypervisors straight into etcd in the lochness layout, through etcd's JSON gateway
 * ({@code POST /v3/kv/txn}, up to 128 puts per transaction, a few transactions in flight), and
 * appends their ids to a file, one a line. Run as a single-file source program:
 *
 * <pre>java bench/Loader.java http://127.0.0.1:2379 COUNT IDS_FILE</pre>
 *
 * Each hypervisor gets 8 keys: {@code metadata} (the record JSON), 4 {@code config/key0..3}, 2
 * {@code subnets/{uuid}} (bridge names), 1 {@code guests/{uuid}}. Not timed by the benchmark.
 */
public final class Loader {
    static final int MAX_PUTS = 128; // etcd's default --max-txn-ops
    static final int IN_FLIGHT = 4;
    static final Base64.Encoder B64 = Base64.getEncoder();

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: java Loader.java ETCD_URL COUNT IDS_FILE");
            System.exit(2);
        }
        URI txn = URI.create(args[0].replaceAll("/+$", "") + "/v3/kv/txn");
        int count = Integer.parseInt(args[1]);
        Path idsFile = Path.of(args[2]);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        List<String> ids = new ArrayList<>(count);
        List<String[]> puts = new ArrayList<>(count * 8);
        for (int i = 0; i < count; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            String p = "lochness/hypervisors/" + id + "/";
            puts.add(new String[] {p + "metadata", record(id)});
            for (int k = 0; k < 4; k++) {
                puts.add(new String[] {p + "config/key" + k, "value" + k});
            }
            puts.add(new String[] {p + "subnets/" + UUID.randomUUID(), "br0"});
            puts.add(new String[] {p + "subnets/" + UUID.randomUUID(), "br1"});
            puts.add(new String[] {p + "guests/" + UUID.randomUUID(), ""});
        }

        Semaphore window = new Semaphore(IN_FLIGHT);
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (int from = 0; from < puts.size(); from += MAX_PUTS) {
            StringBuilder body = new StringBuilder("{\"success\":[");
            int to = Math.min(puts.size(), from + MAX_PUTS);
            for (int i = from; i < to; i++) {
                if (i > from) {
                    body.append(',');
                }
                body.append("{\"request_put\":{\"key\":\"").append(b64(puts.get(i)[0]))
                        .append("\",\"value\":\"").append(b64(puts.get(i)[1])).append("\"}}");
            }
            body.append("]}");
            HttpRequest request = HttpRequest.newBuilder(txn)
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                    .build();
            window.acquire();
            pending.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .thenAccept(response -> {
                        if (response.statusCode() != 200 || !response.body().contains("\"succeeded\":true")) {
                            throw new IllegalStateException(
                                    "etcd refused a load txn: HTTP " + response.statusCode() + " " + response.body());
                        }
                    })
                    .whenComplete((ok, error) -> window.release()));
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();

        StringBuilder out = new StringBuilder();
        for (String id : ids) {
            out.append(id).append('\n');
        }
        try {
            Files.writeString(idsFile, out, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + idsFile + ": " + e.getMessage(), e);
        }
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
