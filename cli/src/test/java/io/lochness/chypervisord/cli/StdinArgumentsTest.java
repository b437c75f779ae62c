package io.lochness.chypervisord.cli;

import static io.lochness.chypervisord.cli.HvRunner.lines;
import static io.lochness.chypervisord.cli.TestRecords.A;
import static io.lochness.chypervisord.cli.TestRecords.B;
import static io.lochness.chypervisord.cli.TestRecords.C;
import static io.lochness.chypervisord.cli.TestRecords.SUBNET_1;
import static io.lochness.chypervisord.cli.TestRecords.record;
import static io.lochness.chypervisord.cli.TestRecords.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.cli.HvRunner.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Arguments from standard input, one a line, when none are on the command line and standard input
 * is not a terminal; and pipes: one command's standard output fed into the next one's standard input.
 */
class StdinArgumentsTest {
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
    void threeHypervisors() {
        service.clear();
        for (String id : new String[] {A, B, C}) {
            service.send("POST", "/hypervisors", spec(id));
        }
        service.send("PATCH", "/hypervisors/" + A + "/config", "{\"foo\":\"bar\"}");
        service.send("PATCH", "/hypervisors/" + C + "/subnets", "{\"" + SUBNET_1 + "\":\"br0\"}");
        hv = new HvRunner(service.url());
    }

    private static void assertOk(Result result, String... expectedLines) {
        assertThat(result.err()).isEmpty();
        assertThat(result.out()).isEqualTo(lines(expectedLines));
        assertThat(result.status()).isZero();
    }

    @Test
    @DisplayName("hv list | hv guests list: a tree per listed hypervisor")
    void pipeListIntoGuestsList() {
        Result list = hv.run("list");
        assertOk(hv.piped(list.stdout(), "guests", "list"), A, B, C);
        assertOk(hv.piped(list.stdout(), "guests", "list", "-j"),
                "{\"id\":\"" + A + "\",\"guests\":[]}", "{\"id\":\"" + B + "\",\"guests\":[]}",
                "{\"id\":\"" + C + "\",\"guests\":[]}");
    }

    @Test
    @DisplayName("hv list ID | hv config list and hv subnets list: only the piped hypervisors")
    void pipeSomeIntoConfigAndSubnets() {
        Result list = hv.run("list", C, A);
        assertOk(hv.piped(list.stdout(), "config", "list"), C, A, "└── foo:bar");
        assertOk(hv.piped(list.stdout(), "subnets", "list"), C, "└── " + SUBNET_1 + ":br0", A);
    }

    @Test
    @DisplayName("hv -j list | hv delete: a JSON line with an id stands for that id")
    void pipeJsonRecordsIntoDelete() {
        Result list = hv.run("-j", "list", A, B);
        assertOk(hv.piped(list.stdout(), "delete"), A, B);
        assertOk(hv.run("list"), C);
    }

    @Test
    @DisplayName("list reads ids from standard input, one a line, blank lines and spaces ignored")
    void listIdsFromStdin() {
        assertOk(hv.piped("  " + B + "  \n\n" + A + "\n", "list"), B, A);
        assertOk(hv.piped(B + "\r\n", "list", "-j"), record(B));
    }

    @Test
    @DisplayName("standard input that yields no argument acts as none: hv list </dev/null lists all")
    void emptyStdinListsAll() {
        assertOk(hv.piped("", "list"), A, B, C);
        assertOk(hv.piped("\n \n", "guests", "list"), A, B, C);
    }

    @Test
    @DisplayName("arguments on the command line win: standard input is not read")
    void commandLineWins() {
        assertOk(hv.piped(A + "\n", "list", C), C);
    }

    @Test
    @DisplayName("a terminal on standard input is never read: hv list lists all")
    void terminalIsNotRead() {
        assertOk(hv.run("list"), A, B, C); // HvRunner.run fails the test if hv reads it
    }

    @Test
    @DisplayName("create reads one JSON a line")
    void createFromStdin() {
        service.clear();
        assertOk(hv.piped(spec(A) + "\n" + spec(B).replace(",", ", ") + "\n", "create"), A, B);
    }

    @Test
    @DisplayName("modify reads ID JSON pairs: both on a line, or one a line")
    void modifyFromStdin() {
        assertOk(hv.piped(A + " {\"gateway\": \"10.0.0.254\"}\n" + B + "\n{\"gateway\": \"10.0.0.253\"}\n", "modify", "-j"),
                record(A, "10.100.101.34", "10.0.0.254"), record(B, "10.100.101.34", "10.0.0.253"));
    }

    @Test
    @DisplayName("config modify, subnets modify and subnets delete read their pairs from standard input")
    void pairsFromStdin() {
        assertOk(hv.piped(B + " {\"k\":\"v\"}\n", "config", "modify"), B, "└── k:v");
        assertOk(hv.piped(A + " {\"" + SUBNET_1 + "\":\"br1\"}\n", "subnets", "modify"), A, "└── " + SUBNET_1 + ":br1");
        assertOk(hv.piped(A + " " + SUBNET_1 + "\n" + C + "\n" + SUBNET_1 + "\n", "subnets", "delete"), A, C);
    }

    @Test
    @DisplayName("hv list | hv delete deletes every hypervisor")
    void pipeListIntoDelete() {
        assertOk(hv.piped(hv.run("list").stdout(), "delete"), A, B, C);
        assertThat(service.send("GET", "/hypervisors", null)).isEqualTo("[]");
    }
}
