package io.lochness.chypervisord.cli;

/** Fixed ids and records for hv's tests (the ids are the original hv README's). */
final class TestRecords {
    static final String A = "aa44c6e8-3ee3-4671-86da-31b6b060795c";
    static final String B = "f403a417-f973-48f1-bea4-0283da8645a2";
    static final String C = "f718449c-ed60-4e70-ac70-9b7710d2d68d";
    static final String SUBNET_1 = "349c3aa5-3e95-4571-b0f2-1727b8806eba";
    static final String SUBNET_2 = "dae637b7-8abd-41d9-b7a2-9d7c2bdd3ef9";
    static final String UNKNOWN = "00000000-0000-4000-8000-000000000000";

    private TestRecords() {}

    /** What hv create gets: a record with the id, an ip and a mac. */
    static String spec(String id) {
        return "{\"id\":\"" + id + "\",\"metadata\":{},\"ip\":\"10.100.101.34\",\"mac\":\"01:23:45:67:89:ab\"}";
    }

    /** The record the service answers for {@link #spec}, as hv -j prints it. */
    static String record(String id) {
        return record(id, "10.100.101.34", "");
    }

    static String record(String id, String ip, String gateway) {
        return "{\"id\":\"" + id + "\",\"metadata\":{},\"ip\":\"" + ip + "\",\"netmask\":\"\",\"gateway\":\"" + gateway
                + "\",\"mac\":\"01:23:45:67:89:ab\",\"total_resources\":{\"memory\":0,\"disk\":0,\"cpu\":0},"
                + "\"available_resources\":{\"memory\":0,\"disk\":0,\"cpu\":0}}";
    }
}
