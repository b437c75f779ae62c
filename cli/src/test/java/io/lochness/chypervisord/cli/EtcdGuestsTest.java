package io.lochness.chypervisord.cli;

import static io.lochness.chypervisord.cli.HvRunner.lines;
import static io.lochness.chypervisord.cli.TestRecords.A;
import static io.lochness.chypervisord.cli.TestRecords.B;
import static io.lochness.chypervisord.cli.TestRecords.C;
import static io.lochness.chypervisord.cli.TestRecords.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.cli.HvRunner.Result;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Guests, which other lochness daemons write straight into the store: a real etcd under a real
 * chypervisord, the guest keys put into etcd directly, then read with hv (the original hv README's
 * examples: its ids and tree shapes).
 */
class EtcdGuestsTest {
    private static final String G1 = "333434fe-2743-4b35-87cc-13fd62ba13fc";
    private static final String G2 = "9c931fd1-9851-4658-83c3-0cb994266264";
    private static final String G3 = "12d9f8af-dfa0-4dba-805e-2c528c3f05f9";
    private static final String G4 = "5e32dada-fc99-4ad9-88ec-563e3639a751";

    private static LocalEtcd etcd;
    private static RealService service;
    private HvRunner hv;

    @BeforeAll
    static void start() throws IOException {
        etcd = LocalEtcd.start();
        service = RealService.start(etcd.kv());
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @BeforeEach
    void threeHypervisorsWithGuests() {
        etcd.deletePrefix("lochness/hypervisors/");
        hv = new HvRunner(service.url());
        Result created = hv.run("create", spec(A), spec(B), spec(C));
        assertThat(created.out()).as(created.err()).isEqualTo(lines(A, B, C));
        // written in no particular order: the service lists them sorted
        guest(A, G2);
        guest(A, G1);
        guest(B, G4);
        guest(B, G3);
        guest(C, G4);
    }

    private static void guest(String hypervisor, String guest) {
        etcd.put("lochness/hypervisors/" + hypervisor + "/guests/" + guest, "");
    }

    @Test
    @DisplayName("guests list: a tree per hypervisor, guests sorted; -j {\"id\",\"guests\"} a line")
    void guestsList() {
        Result human = hv.run("guests", "list");
        assertThat(human.err()).isEmpty();
        assertThat(human.out()).isEqualTo(lines(
                A, "├── " + G1, "└── " + G2,
                B, "├── " + G3, "└── " + G4,
                C, "└── " + G4));
        assertThat(human.status()).isZero();
        Result json = hv.run("guests", "list", "-j");
        assertThat(json.out()).isEqualTo(lines(
                "{\"id\":\"" + A + "\",\"guests\":[\"" + G1 + "\",\"" + G2 + "\"]}",
                "{\"id\":\"" + B + "\",\"guests\":[\"" + G3 + "\",\"" + G4 + "\"]}",
                "{\"id\":\"" + C + "\",\"guests\":[\"" + G4 + "\"]}"));
        assertThat(json.status()).isZero();
    }

    @Test
    @DisplayName("hv list ID ID | hv guests list: the trees of the piped hypervisors only")
    void pipeIntoGuestsList() {
        Result list = hv.run("list", C, B);
        assertThat(hv.piped(list.stdout(), "guests", "list").out())
                .isEqualTo(lines(C, "└── " + G4, B, "├── " + G3, "└── " + G4));
    }

    @Test
    @DisplayName("a guest removed from etcd is gone from the tree")
    void guestRemoved() {
        etcd.delete("lochness/hypervisors/" + A + "/guests/" + G1);
        assertThat(hv.run("guests", "list", A).out()).isEqualTo(lines(A, "└── " + G2));
    }

    @Test
    @DisplayName("delete of a hypervisor with guests: the service's 409 in one line, the others deleted, status 1")
    void deleteWithGuests() {
        etcd.deletePrefix("lochness/hypervisors/" + B + "/guests/");
        Result result = hv.run("delete", A, B);
        assertThat(result.out()).isEqualTo(lines(B));
        assertThat(result.err()).startsWith("hv: 409 ").contains(A).hasLineCount(1);
        assertThat(result.status()).isEqualTo(1);
        assertThat(hv.run("list").out()).isEqualTo(lines(A, C));
    }
}
