package io.lochness.chypervisord.cli;

import static io.lochness.chypervisord.cli.HvRunner.lines;
import static io.lochness.chypervisord.cli.TestRecords.A;
import static io.lochness.chypervisord.cli.TestRecords.B;
import static io.lochness.chypervisord.cli.TestRecords.SUBNET_1;
import static io.lochness.chypervisord.cli.TestRecords.UNKNOWN;
import static io.lochness.chypervisord.cli.TestRecords.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.cli.HvRunner.Result;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Errors: the service's error as one line on stderr and status 1 (the other arguments still done),
 * an unreachable service as one line, usage errors as one line and status 2 with nothing sent.
 */
class ErrorsTest {
    private static RealService service;
    private HvRunner hv;

    @BeforeAll
    static void startService() {
        service = RealService.memory();
    }

    @AfterAll
    static void stopService() {
        service.close();
    }

    @BeforeEach
    void twoHypervisors() {
        service.clear();
        service.send("POST", "/hypervisors", spec(A));
        service.send("POST", "/hypervisors", spec(B));
        hv = new HvRunner(service.url());
    }

    private static void assertFailed(Result result, int status, String out, String err) {
        assertThat(result.out()).isEqualTo(out);
        assertThat(result.err()).isEqualTo(err);
        assertThat(result.status()).isEqualTo(status);
    }

    @Test
    @DisplayName("an unknown id: its 404 in one line, the others still listed, status 1")
    void unknownIdOnList() {
        assertFailed(hv.run("list", A, UNKNOWN, B), 1, lines(A, B),
                lines("hv: 404 hypervisor " + UNKNOWN + " not found"));
    }

    @Test
    @DisplayName("an unknown id on every per-hypervisor command: 404 in one line, status 1")
    void unknownIdEverywhere() {
        String notFound = lines("hv: 404 hypervisor " + UNKNOWN + " not found");
        assertFailed(hv.run("delete", UNKNOWN), 1, "", notFound);
        assertFailed(hv.run("modify", UNKNOWN, "{\"ip\":\"10.0.0.1\"}"), 1, "", notFound);
        assertFailed(hv.run("guests", "list", UNKNOWN), 1, "", notFound);
        assertFailed(hv.run("config", "list", UNKNOWN), 1, "", notFound);
        assertFailed(hv.run("config", "modify", UNKNOWN, "{\"a\":\"b\"}"), 1, "", notFound);
        assertFailed(hv.run("subnets", "list", UNKNOWN), 1, "", notFound);
        assertFailed(hv.run("subnets", "modify", UNKNOWN, "{\"" + SUBNET_1 + "\":\"br0\"}"), 1, "", notFound);
        assertFailed(hv.run("subnets", "delete", UNKNOWN, SUBNET_1), 1, "", notFound);
    }

    @Test
    @DisplayName("an unassigned subnet: the service's 404 in one line")
    void unassignedSubnet() {
        assertFailed(hv.run("subnets", "delete", A, SUBNET_1), 1, "",
                lines("hv: 404 subnet " + SUBNET_1 + " is not assigned to hypervisor " + A));
    }

    @Test
    @DisplayName("bad JSON: the service's 400 in one line, the next JSON still created, status 1")
    void badJsonOnCreate() {
        String third = "c6430cba-648a-41aa-aee4-b59dacfc790d";
        assertFailed(hv.run("create", "{bad", spec(third)), 1, lines(third),
                lines("hv: 400 request body is not valid JSON: Unexpected character at line 1, column 2"));
        assertThat(service.send("GET", "/hypervisors/" + third, null)).contains(third);
    }

    @Test
    @DisplayName("a value the service refuses: its 400 message in one line")
    void badValueOnModify() {
        assertFailed(hv.run("modify", A, "{\"ip\":\"x\"}"), 1, "", lines("hv: 400 ip: not an IPv4 or IPv6 address: \"x\""));
    }

    @Test
    @DisplayName("an existing id on create: the service's 409")
    void duplicateCreate() {
        assertFailed(hv.run("create", spec(A)), 1, "", lines("hv: 409 hypervisor " + A + " already exists"));
    }

    @Test
    @DisplayName("an id that is not a UUID: the service's 400; path characters stay in one segment")
    void notAUuid() {
        assertFailed(hv.run("list", "x y?z#&", A), 1, lines(A),
                lines("hv: 400 hypervisor id must be a UUID (8-4-4-4-12 hex digits): \"x y?z#&\""));
    }

    @Test
    @DisplayName("a service that cannot be reached: one line, no stack trace, status 1, and no more tries")
    void unreachable() {
        int port = closedPort();
        HvRunner nowhere = new HvRunner("http://127.0.0.1:" + port);
        String refused = lines("hv: cannot reach http://127.0.0.1:" + port + ": connection refused");
        assertFailed(nowhere.run("list"), 1, "", refused);
        assertFailed(nowhere.run("list", A, B), 1, "", refused);
        assertFailed(nowhere.run("-j", "guests", "list"), 1, "", refused);
        assertFailed(nowhere.run("create", spec(A), spec(B)), 1, "", refused);
    }

    @Test
    @DisplayName("an unknown host: one line")
    void unknownHost() {
        assertFailed(new HvRunner("http://nohost.invalid:17000").run("list"), 1, "",
                lines("hv: cannot reach http://nohost.invalid:17000: unknown host nohost.invalid"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "bogus", "list|--bogus", "guests", "config", "subnets", "config|bogus",
        "modify|" + A, "modify", "create", "delete", "subnets|delete|" + A, "config|modify|" + A + "|{}|" + B,
        "list|--page-size|0", "list|--page-size|x", "list|-f|novalue", "list|-f|=x", "list|-f|watch=true",
        "list|-f|ip=10.0.0.1|" + A, "-s|ftp://host|list", "-s|http://|list", "list|", "delete|",
        "watch|--since|x"})
    @DisplayName("a usage error: one line naming the command's help, status 2, nothing changed")
    void usageErrors(String spelled) {
        String[] args = spelled.isEmpty() ? new String[0] : spelled.split("\\|", -1);
        Result result = hv.run(args);
        assertThat(result.status()).as(result.err()).isEqualTo(2);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).startsWith("hv: ").hasLineCount(1).containsPattern("\\(see 'hv( [a-z]+)* -h'\\)");
        assertThat(service.send("GET", "/hypervisors", null)).contains(A, B);
        assertThat(service.send("GET", "/hypervisors/" + A + "/config", null)).isEqualTo("{}");
    }

    @Test
    @DisplayName("a mistyped option or command: picocli's suggestion in the one line")
    void suggestions() {
        assertFailed(hv.run("list", "--filtr", "ip=10.0.0.1"), 2, "",
                lines("hv: Unknown option: '--filtr' (did you mean: --filter?) (see 'hv list -h')"));
        assertFailed(hv.run("guests", "lst"), 2, "",
                lines("hv: Unmatched argument at index 1: 'lst' (did you mean: list?) (see 'hv guests -h')"));
    }

    @Test
    @DisplayName("an odd number of pairs read from standard input is a usage error before any request")
    void oddPairsFromStdin() {
        Result result = hv.piped(A + " {\"k\":\"v\"}\n" + B + "\n", "config", "modify");
        assertFailed(result, 2, "", lines("hv: expected ID JSON pairs, got 3 arguments (see 'hv config modify -h')"));
        assertThat(service.send("GET", "/hypervisors/" + A + "/config", null)).isEqualTo("{}");
    }

    @Test
    @DisplayName("a command that needs arguments, with standard input empty: usage error")
    void noArgumentsFromStdin() {
        assertFailed(hv.piped("", "delete"), 2, "",
                lines("hv: missing ID (on the command line, or on standard input one a line) (see 'hv delete -h')"));
    }

    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
