package io.lochness.chypervisord.cli;

import static io.lochness.chypervisord.cli.HvRunner.lines;
import static io.lochness.chypervisord.cli.TestRecords.A;
import static io.lochness.chypervisord.cli.TestRecords.B;
import static io.lochness.chypervisord.cli.TestRecords.C;
import static io.lochness.chypervisord.cli.TestRecords.SUBNET_1;
import static io.lochness.chypervisord.cli.TestRecords.SUBNET_2;
import static io.lochness.chypervisord.cli.TestRecords.record;
import static io.lochness.chypervisord.cli.TestRecords.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.cli.HvRunner.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Every command in both output modes, with exact output, against a real chypervisord (memory store). */
class HvCommandsTest {
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
    void emptyRegistry() {
        service.clear();
        hv = new HvRunner(service.url());
    }

    private void create(String... ids) {
        for (String id : ids) {
            service.send("POST", "/hypervisors", spec(id));
        }
    }

    private static void assertOk(Result result, String... expectedLines) {
        assertThat(result.err()).isEmpty();
        assertThat(result.out()).isEqualTo(lines(expectedLines));
        assertThat(result.status()).isZero();
    }

    @Test
    @DisplayName("create prints each new id; -j each new record")
    void create() {
        assertOk(hv.run("create", spec(A), spec(B)), A, B);
        assertOk(hv.run("create", "-j", spec(C)), record(C));
        assertThat(service.send("GET", "/hypervisors/" + C, null)).isEqualTo(record(C));
    }

    @Test
    @DisplayName("create without an id prints the id the service picked")
    void createWithoutId() {
        Result result = hv.run("create", "{\"ip\":\"10.0.0.1\"}");
        assertThat(result.status()).isZero();
        String id = result.out().strip();
        assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(service.send("GET", "/hypervisors/" + id, null)).contains("\"ip\":\"10.0.0.1\"");
    }

    @Test
    @DisplayName("list prints all ids sorted; -j all records, one a line")
    void listAll() {
        create(C, A, B);
        assertOk(hv.run("list"), A, B, C);
        assertOk(hv.run("list", "-j"), record(A), record(B), record(C));
        assertOk(hv.run("-j", "list"), record(A), record(B), record(C));
    }

    @Test
    @DisplayName("list of an empty registry prints nothing")
    void listEmpty() {
        assertOk(hv.run("list"));
        assertOk(hv.run("list", "-j"));
    }

    @Test
    @DisplayName("list ID... prints those, in the order given; -j their records")
    void listNamed() {
        create(A, B, C);
        assertOk(hv.run("list", C, A), C, A);
        assertOk(hv.run("list", "-j", C, A), record(C), record(A));
    }

    @Test
    @DisplayName("list finds an id in any case and prints it as the service stores it")
    void listUppercaseId() {
        create(A);
        assertOk(hv.run("list", A.toUpperCase()), A);
    }

    @Test
    @DisplayName("modify ID JSON prints the id; -j the modified record; pairs may repeat")
    void modify() {
        create(A, B);
        assertOk(hv.run("modify", A, "{\"gateway\":\"10.0.0.254\"}"), A);
        assertOk(hv.run("list", "-j", A), record(A, "10.100.101.34", "10.0.0.254"));
        assertOk(hv.run("modify", "-j", A, "{\"gateway\":\"10.0.0.253\"}", B, "{\"ip\":\"10.0.0.2\"}"),
                record(A, "10.100.101.34", "10.0.0.253"), record(B, "10.0.0.2", ""));
    }

    @Test
    @DisplayName("delete prints each deleted id; -j each deleted record; they are gone")
    void delete() {
        create(A, B, C);
        assertOk(hv.run("delete", A, B), A, B);
        assertOk(hv.run("delete", "-j", C), record(C));
        assertThat(service.send("GET", "/hypervisors", null)).isEqualTo("[]");
    }

    @Test
    @DisplayName("config list: a tree of key:value per hypervisor, sorted by key; -j {\"id\",\"config\"}")
    void configList() {
        create(A, B, C);
        service.send("PATCH", "/hypervisors/" + A + "/config", "{\"foo\":\"bar\",\"bar\":\"baz\",\"asdf\":\"x y\"}");
        service.send("PATCH", "/hypervisors/" + B + "/config", "{\"only\":\"one\"}");
        assertOk(hv.run("config", "list"),
                A, "├── asdf:x y", "├── bar:baz", "└── foo:bar",
                B, "└── only:one",
                C);
        assertOk(hv.run("config", "list", "-j"),
                "{\"id\":\"" + A + "\",\"config\":{\"asdf\":\"x y\",\"bar\":\"baz\",\"foo\":\"bar\"}}",
                "{\"id\":\"" + B + "\",\"config\":{\"only\":\"one\"}}",
                "{\"id\":\"" + C + "\",\"config\":{}}");
        assertOk(hv.run("config", "list", B, C), B, "└── only:one", C);
    }

    @Test
    @DisplayName("config modify sets and deletes keys and prints the resulting config; -j as config list -j")
    void configModify() {
        create(A, B);
        assertOk(hv.run("config", "modify", A, "{\"bar\":\"baz\",\"foo\":\"1\"}"), A, "├── bar:baz", "└── foo:1");
        assertOk(hv.run("config", "modify", "-j", A, "{\"bar\":\"\",\"foobar\":\"asdf\"}", B, "{\"k\":\"v\"}"),
                "{\"id\":\"" + A + "\",\"config\":{\"foo\":\"1\",\"foobar\":\"asdf\"}}",
                "{\"id\":\"" + B + "\",\"config\":{\"k\":\"v\"}}");
        assertThat(service.send("GET", "/hypervisors/" + A + "/config", null)).isEqualTo("{\"foo\":\"1\",\"foobar\":\"asdf\"}");
    }

    @Test
    @DisplayName("subnets list: a tree of SUBNET:bridge per hypervisor; -j {\"id\",\"subnets\"}")
    void subnetsList() {
        create(A, B);
        service.send("PATCH", "/hypervisors/" + A + "/subnets", "{\"" + SUBNET_2 + "\":\"br0\",\"" + SUBNET_1 + "\":\"br1\"}");
        assertOk(hv.run("subnets", "list"), A, "├── " + SUBNET_1 + ":br1", "└── " + SUBNET_2 + ":br0", B);
        assertOk(hv.run("subnets", "list", "-j"),
                "{\"id\":\"" + A + "\",\"subnets\":{\"" + SUBNET_1 + "\":\"br1\",\"" + SUBNET_2 + "\":\"br0\"}}",
                "{\"id\":\"" + B + "\",\"subnets\":{}}");
    }

    @Test
    @DisplayName("subnets modify assigns and prints the resulting subnets; subnets delete prints the remaining ones")
    void subnetsModifyAndDelete() {
        create(A, B);
        assertOk(hv.run("subnets", "modify", A, "{\"" + SUBNET_2 + "\":\"br0\"}"), A, "└── " + SUBNET_2 + ":br0");
        assertOk(hv.run("subnets", "modify", "-j", A, "{\"" + SUBNET_1 + "\":\"br1\"}", B, "{\"" + SUBNET_1 + "\":\"br1\"}"),
                "{\"id\":\"" + A + "\",\"subnets\":{\"" + SUBNET_1 + "\":\"br1\",\"" + SUBNET_2 + "\":\"br0\"}}",
                "{\"id\":\"" + B + "\",\"subnets\":{\"" + SUBNET_1 + "\":\"br1\"}}");
        assertOk(hv.run("subnets", "delete", A, SUBNET_2), A, "└── " + SUBNET_1 + ":br1");
        assertOk(hv.run("subnets", "delete", "-j", A, SUBNET_1, B, SUBNET_1),
                "{\"id\":\"" + A + "\",\"subnets\":{}}",
                "{\"id\":\"" + B + "\",\"subnets\":{}}");
        assertThat(service.send("GET", "/hypervisors/" + A + "/subnets", null)).isEqualTo("{}");
    }

    @Test
    @DisplayName("guests list without guests: just the ids; -j {\"id\",\"guests\":[]}")
    void guestsListWithoutGuests() {
        create(A, B);
        assertOk(hv.run("guests", "list"), A, B);
        assertOk(hv.run("guests", "list", "-j", B), "{\"id\":\"" + B + "\",\"guests\":[]}");
    }

    @Test
    @DisplayName("-s names the service and wins over HV_SERVER")
    void serverOption() {
        create(A);
        HvRunner elsewhere = new HvRunner("http://127.0.0.1:1");
        assertOk(elsewhere.run("-s", service.url(), "list"), A);
        assertOk(elsewhere.run("list", "--server=" + service.url().replace("http://", "")), A);
    }
}
