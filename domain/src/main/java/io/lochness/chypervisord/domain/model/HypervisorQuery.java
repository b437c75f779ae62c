package io.lochness.chypervisord.domain.model;

import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which hypervisors a list or the change feed is about, and which page of them: every filter
 * given must hold ({@link #matches}); a page is at most {@link #limit()} hypervisors sorted by id,
 * starting after {@link #after()}. {@link #ALL} is the whole registry in one answer.
 *
 * <p>Filters compare canonical forms (an {@link IpAddress}, a {@link MacAddress}, a {@link
 * SubnetId} are held canonical), and resources unsigned, as {@link Resources#atLeast} does.
 *
 * @param limit at most this many hypervisors (1 to {@value #MAX_LIMIT}), or 0: no limit
 * @param after only hypervisors whose id sorts after this one, or null: from the first
 * @param minAvailable the least available resources; a resource of 0 does not filter
 */
public record HypervisorQuery(
        IpAddress ip,
        MacAddress mac,
        SortedMap<String, String> metadata,
        Boolean alive,
        Resources minAvailable,
        SubnetId subnet,
        int limit,
        HypervisorId after) {

    public static final int MAX_LIMIT = 10_000;
    /** No filter, no page: every hypervisor. */
    public static final HypervisorQuery ALL = new HypervisorQuery(null, null, null, null, null, null, 0, null);

    /** The parameter names {@link #parse} knows, besides {@code metadata.KEY}. */
    public static final List<String> PARAMETERS = List.of("ip", "mac", "alive", "min_available_memory",
            "min_available_disk", "min_available_cpu", "subnet", "limit", "after");
    public static final String METADATA_PREFIX = "metadata.";

    public HypervisorQuery {
        metadata = metadata == null || metadata.isEmpty()
                ? Collections.emptySortedMap()
                : Collections.unmodifiableSortedMap(new TreeMap<>(metadata));
        minAvailable = Objects.requireNonNullElse(minAvailable, Resources.ZERO);
        if (limit < 0 || limit > MAX_LIMIT) {
            throw new InvalidInputException("limit: must be a whole number from 1 to " + MAX_LIMIT + ", got " + limit);
        }
    }

    /**
     * The query that request parameters spell ({@code ip}, {@code mac}, {@code metadata.KEY}
     * repeatable, {@code alive}, {@code min_available_memory|disk|cpu}, {@code subnet}, {@code
     * limit}, {@code after}), in the order given.
     *
     * @throws InvalidInputException naming the parameter, for one this query does not know, a
     *     single-valued one given twice, or a value that is not of its kind: a typo must not
     *     silently widen a query
     */
    public static HypervisorQuery parse(List<Map.Entry<String, String>> parameters) {
        IpAddress ip = null;
        MacAddress mac = null;
        SortedMap<String, String> metadata = new TreeMap<>();
        Boolean alive = null;
        long memory = 0;
        long disk = 0;
        long cpu = 0;
        SubnetId subnet = null;
        int limit = 0;
        HypervisorId after = null;
        Set<String> seen = new HashSet<>();
        for (Map.Entry<String, String> p : parameters) {
            String name = p.getKey();
            String value = p.getValue() == null ? "" : p.getValue();
            if (name.startsWith(METADATA_PREFIX)) {
                String key = name.substring(METADATA_PREFIX.length());
                if (key.isEmpty()) {
                    throw new InvalidInputException("query parameter " + name + ": names no metadata key");
                }
                if (metadata.containsKey(key) && !metadata.get(key).equals(value)) {
                    throw new InvalidInputException("query parameter " + name
                            + ": given twice with different values, which no record can match");
                }
                metadata.put(key, value);
                continue;
            }
            if (!PARAMETERS.contains(name)) {
                throw new InvalidInputException("query parameter " + quoted(name) + " is not known; known: "
                        + String.join(", ", PARAMETERS) + ", metadata.KEY");
            }
            if (!seen.add(name)) {
                throw new InvalidInputException("query parameter " + name + ": given more than once");
            }
            try {
                switch (name) {
                    case "ip" -> ip = nonEmpty(new IpAddress(value), IpAddress::isSet);
                    case "mac" -> mac = nonEmpty(new MacAddress(value), MacAddress::isSet);
                    case "alive" -> alive = switch (value) {
                        case "true" -> Boolean.TRUE;
                        case "false" -> Boolean.FALSE;
                        default -> throw new InvalidInputException("must be true or false");
                    };
                    case "min_available_memory" -> memory = unsigned(value, false);
                    case "min_available_disk" -> disk = unsigned(value, false);
                    case "min_available_cpu" -> cpu = unsigned(value, true);
                    case "subnet" -> subnet = new SubnetId(value);
                    case "limit" -> limit = limit(value);
                    case "after" -> after = new HypervisorId(value);
                    default -> throw new IllegalStateException(name);
                }
            } catch (InvalidInputException e) {
                throw new InvalidInputException("query parameter " + name + ": " + e.getMessage());
            }
        }
        return new HypervisorQuery(ip, mac, metadata, alive, new Resources(memory, disk, cpu), subnet, limit, after);
    }

    private static <T> T nonEmpty(T value, java.util.function.Predicate<T> isSet) {
        if (!isSet.test(value)) {
            throw new InvalidInputException("must not be empty");
        }
        return value;
    }

    /** A decimal unsigned 64-bit number (cpu: 32-bit), without sign or leading zeros' tricks. */
    private static long unsigned(String text, boolean cpu) {
        String what = cpu ? "a whole number from 0 to 4294967295" : "a whole number from 0 to 18446744073709551615";
        if (text.isEmpty() || text.length() > 20 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidInputException("must be " + what + ", got " + quoted(text));
        }
        try {
            long v = Long.parseUnsignedLong(text);
            if (cpu && v > Resources.MAX_CPU) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new InvalidInputException("must be " + what + ", got " + quoted(text));
        }
    }

    private static int limit(String text) {
        if (text.isEmpty() || text.length() > 6 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidInputException("must be a whole number from 1 to " + MAX_LIMIT + ", got " + quoted(text));
        }
        int n = Integer.parseInt(text);
        if (n < 1 || n > MAX_LIMIT) {
            throw new InvalidInputException("must be a whole number from 1 to " + MAX_LIMIT + ", got " + n);
        }
        return n;
    }

    private static String quoted(String text) {
        String shown = text.length() > 64 ? text.substring(0, 64) + "..." : text;
        return "'" + shown + "'";
    }

    /** Whether the query filters at all (a page alone does not). */
    public boolean filters() {
        return ip != null || mac != null || !metadata.isEmpty() || alive != null
                || !minAvailable.equals(Resources.ZERO) || subnet != null;
    }

    /** Whether the query asks for one page rather than every match. */
    public boolean paged() {
        return limit > 0;
    }

    /**
     * Whether a hypervisor with this record, these subnet ids and this heartbeat state passes
     * every filter (the page bounds are not checked here).
     */
    public boolean matches(Hypervisor record, Collection<String> subnetIds, boolean isAlive) {
        if (ip != null && !ip.equals(record.ip())) {
            return false;
        }
        if (mac != null && !mac.equals(record.mac())) {
            return false;
        }
        for (Map.Entry<String, String> m : metadata.entrySet()) {
            if (!m.getValue().equals(record.metadata().get(m.getKey()))) {
                return false;
            }
        }
        if (alive != null && alive != isAlive) {
            return false;
        }
        if (!record.availableResources().atLeast(minAvailable)) {
            return false;
        }
        return subnet == null || subnetIds.contains(subnet.value());
    }

    /** {@link #matches(Hypervisor, Collection, boolean)} of a stored hypervisor; never an unreadable one. */
    public boolean matches(StoredHypervisor h) {
        return h.readable() != null && matches(h.readable(), h.subnets().keySet(), h.alive());
    }

    /** Whether {@code id} is past this query's {@link #after()}. */
    public boolean isAfterStart(HypervisorId id) {
        return after == null || id.value().compareTo(after.value()) > 0;
    }

    /** This query without its page: the same filters, every match. */
    public HypervisorQuery unpaged() {
        return new HypervisorQuery(ip, mac, metadata, alive, minAvailable, subnet, 0, null);
    }
}
