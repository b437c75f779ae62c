package io.lochness.chypervisord.domain.service;

import io.lochness.chypervisord.domain.model.BridgeName;
import io.lochness.chypervisord.domain.model.ChangeSubscription;
import io.lochness.chypervisord.domain.model.ConfigKey;
import io.lochness.chypervisord.domain.model.ConflictException;
import io.lochness.chypervisord.domain.model.Hypervisor;
import io.lochness.chypervisord.domain.model.HypervisorAlreadyExistsException;
import io.lochness.chypervisord.domain.model.HypervisorHasGuestsException;
import io.lochness.chypervisord.domain.model.HypervisorId;
import io.lochness.chypervisord.domain.model.HypervisorNotFoundException;
import io.lochness.chypervisord.domain.model.HypervisorPage;
import io.lochness.chypervisord.domain.model.HypervisorPatch;
import io.lochness.chypervisord.domain.model.HypervisorQuery;
import io.lochness.chypervisord.domain.model.InvalidInputException;
import io.lochness.chypervisord.domain.model.Limits;
import io.lochness.chypervisord.domain.model.Precondition;
import io.lochness.chypervisord.domain.model.PreconditionFailedException;
import io.lochness.chypervisord.domain.model.StoredHypervisor;
import io.lochness.chypervisord.domain.model.SubnetId;
import io.lochness.chypervisord.domain.model.SubnetNotFoundException;
import io.lochness.chypervisord.domain.model.Versioned;
import io.lochness.chypervisord.domain.port.in.HypervisorService;
import io.lochness.chypervisord.domain.port.out.HypervisorRepository;
import io.lochness.chypervisord.domain.port.out.HypervisorRepository.Children;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The hypervisor registry: implements the in-port over the {@link HypervisorRepository} out-port.
 *
 * <p>Reads are the repository's consistent reads. Each write is read-modify-write: a read of the
 * hypervisor straight from the store, then one transaction guarded by the record's revision (so
 * it cannot land on a record that was changed or deleted meanwhile, nor orphan config or subnets
 * of a deleted one). A transaction that loses a race is retried from a fresh read, after a
 * randomised, growing pause (full jitter, as AWS's architecture blog and etcd's clients do), up
 * to {@value #MAX_ATTEMPTS} attempts: without the pause, writers on one record retry in lockstep
 * and some exhaust their attempts (44 of 2,000 PATCHes by eight writers did, measured). A
 * client's {@link Precondition} is checked against each fresh read, so a stale {@code If-Match}
 * fails rather than being retried over.
 */
public final class HypervisorRegistry implements HypervisorService {
    public static final int MAX_ATTEMPTS = 24;
    /** The longest pause between two attempts, in milliseconds, while attempts are quick. */
    static final int MAX_BACKOFF_MILLIS = 64;
    /**
     * What "quick" means: the pauses are meant in attempts, not milliseconds. An attempt slower
     * than this (a loaded machine, a busy store) scales every pause bound by its duration over
     * this, up to {@link #MAX_BACKOFF_SCALE} times; with fixed bounds, 10-20 ms attempts overlapped
     * as if there were no pause, and one of 2,000 PATCHes by eight writers on etcd lost all its
     * races (in one of three runs on a 2-core machine with both cores busy, measured).
     */
    static final long QUICK_ATTEMPT_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(2);
    static final int MAX_BACKOFF_SCALE = 8;

    private final HypervisorRepository repository;
    private final ConflictListener conflicts;

    /** Told of each lost race that is retried, for metrics. */
    @FunctionalInterface
    public interface ConflictListener {
        void retried(String operation);
    }

    public HypervisorRegistry(HypervisorRepository repository) {
        this(repository, operation -> {});
    }

    public HypervisorRegistry(HypervisorRepository repository, ConflictListener conflicts) {
        this.repository = repository;
        this.conflicts = conflicts;
    }

    private StoredHypervisor read(HypervisorId id) {
        return found(id, repository.find(id));
    }

    private StoredHypervisor readLatest(HypervisorId id, Precondition precondition) {
        StoredHypervisor current = found(id, repository.findLatest(id));
        if (!precondition.allows(current.revision())) {
            throw new PreconditionFailedException(
                    "hypervisor " + id + " is at revision " + current.revision()
                            + ", not the one given in If-Match");
        }
        return current;
    }

    private static StoredHypervisor found(HypervisorId id, Optional<StoredHypervisor> h) {
        return h.orElseThrow(() -> new HypervisorNotFoundException("hypervisor " + id + " not found"));
    }

    /**
     * Runs {@code attempt} until it commits: attempt {@code n} (from 0) reads what it needs afresh,
     * commits, and answers its result, or empty when it lost a race.
     */
    private <T> T retrying(String operation, IntFunction<Optional<T>> attempt) {
        long lastAttemptNanos = 0;
        for (int n = 0; n < MAX_ATTEMPTS; n++) {
            if (n > 0) {
                conflicts.retried(operation);
                pause(n, lastAttemptNanos);
            }
            long started = System.nanoTime();
            Optional<T> result = attempt.apply(n);
            lastAttemptNanos = System.nanoTime() - started;
            if (result.isPresent()) {
                return result.get();
            }
        }
        throw new ConflictException(
                operation + " lost the race to concurrent writers " + MAX_ATTEMPTS + " times in a row; try again");
    }

    /**
     * Full jitter: a random pause up to an exponentially growing bound (2, 4 ... 64 ms), scaled
     * by how much slower than {@link #QUICK_ATTEMPT_NANOS} the last attempt was.
     */
    static long backoffBoundMillis(int attempt, long lastAttemptNanos) {
        long scale = Math.max(1, Math.min(MAX_BACKOFF_SCALE, lastAttemptNanos / QUICK_ATTEMPT_NANOS));
        return Math.min(MAX_BACKOFF_MILLIS, 1 << Math.min(attempt, 10)) * scale;
    }

    private static void pause(int attempt, long lastAttemptNanos) {
        long bound = backoffBoundMillis(attempt, lastAttemptNanos);
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(bound + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConflictException("interrupted while retrying a write that lost a race; try again");
        }
    }

    private static <T> Optional<T> when(OptionalLong committed, Supplier<T> answer) {
        return committed.isPresent() ? Optional.of(answer.get()) : Optional.empty();
    }

    private static <T> Optional<T> when(boolean committed, Supplier<T> answer) {
        return committed ? Optional.of(answer.get()) : Optional.empty();
    }

    @Override
    public List<Hypervisor> list() {
        return repository.list();
    }

    @Override
    public HypervisorPage list(HypervisorQuery query) {
        return repository.list(query);
    }

    @Override
    public ChangeSubscription watch(HypervisorQuery query, OptionalLong since) {
        return repository.watch(query.unpaged(), since);
    }

    @Override
    public Versioned<Hypervisor> get(HypervisorId id) {
        StoredHypervisor h = read(id);
        return new Versioned<>(h.record(), h.revision());
    }

    @Override
    public Versioned<Hypervisor> create(HypervisorPatch fields) {
        HypervisorId id = fields.id() != null ? fields.id() : HypervisorId.random();
        Hypervisor record = fields.applyTo(Hypervisor.blank(id));
        OptionalLong revision = repository.create(record);
        if (revision.isEmpty()) {
            throw new HypervisorAlreadyExistsException("hypervisor " + id + " already exists");
        }
        return new Versioned<>(record, revision.getAsLong());
    }

    @Override
    public Versioned<Hypervisor> update(HypervisorId id, HypervisorPatch patch, Precondition precondition) {
        if (patch.id() != null && !patch.id().equals(id)) {
            throw new InvalidInputException(
                    "the body's id " + patch.id() + " is not the path's id " + id + "; ids cannot be changed");
        }
        return retrying("update hypervisor", n -> {
            StoredHypervisor current = readLatest(id, precondition);
            Hypervisor updated = patch.applyTo(current.record());
            checkAggregate(current, Children.CONFIG, new TreeMap<>(), updated);
            OptionalLong revision = repository.replace(updated, current.revision());
            return when(revision, () -> new Versioned<>(updated, revision.getAsLong()));
        });
    }

    @Override
    public Hypervisor delete(HypervisorId id, Precondition precondition) {
        return retrying("delete hypervisor", n -> {
            StoredHypervisor current = readLatest(id, precondition);
            int placed = current.guests().size();
            if (placed > 0) {
                throw new HypervisorHasGuestsException(
                        "hypervisor " + id + " still has " + placed + " guest(s); move or delete them first");
            }
            Hypervisor deleted = current.record();
            return when(repository.delete(id, current.revision()), () -> deleted);
        });
    }

    @Override
    public SortedMap<String, String> config(HypervisorId id) {
        return read(id).configValues();
    }

    @Override
    public SortedMap<String, String> updateConfig(
            HypervisorId id, Map<ConfigKey, String> changes, Precondition precondition) {
        SortedMap<String, String> byName = new TreeMap<>();
        changes.forEach((key, value) -> byName.put(key.value(), value));
        return patchChildren("update config", id, Children.CONFIG, byName, precondition);
    }

    @Override
    public SortedMap<String, String> subnets(HypervisorId id) {
        return read(id).subnetValues();
    }

    @Override
    public SortedMap<String, String> addSubnets(
            HypervisorId id, Map<SubnetId, BridgeName> subnets, Precondition precondition) {
        SortedMap<String, String> byName = new TreeMap<>();
        subnets.forEach((subnet, bridge) -> byName.put(subnet.value(), bridge.value()));
        return patchChildren("update subnets", id, Children.SUBNETS, byName, precondition);
    }

    /**
     * Sets the children that {@code changes} names (an empty value deletes one) in one
     * transaction; returns the whole resulting map.
     *
     * <p>Where the store reads back inside a transaction and no If-Match revision is given, that
     * is one round trip: the transaction holds only while the record exists and reads the map
     * back after its writes, so the answer is exactly the state the change produced (another
     * writer's key included), not a guess from a read taken before. A refusal means the record
     * was missing at commit time; the next attempt first reads, to tell a deleted record (404)
     * from one created again meanwhile. Otherwise it is a read and a transaction guarded by the
     * record's revision.
     */
    private SortedMap<String, String> patchChildren(String operation, HypervisorId id, Children kind,
            SortedMap<String, String> changes, Precondition precondition) {
        if (changes.size() > repository.maxChildrenPerChange()) {
            throw new InvalidInputException(
                    "this change names " + changes.size() + " keys; the " + repository.storeName()
                            + " store takes at most " + repository.maxChildrenPerChange()
                            + " in one change: send it in smaller parts");
        }
        if (repository.patchesInOneRoundTrip(changes.size()) && precondition.revisions() == null) { // no If-Match, or If-Match: *
            // The limits are checked against a read that holds every write this service
            // acknowledged (from the view, no store round trip): a client's own previous requests
            // always count; only a writer racing this very request can take a hypervisor past
            // them, by at most one request's worth. (A consistent read here halved PATCH
            // throughput at 32 connections: a revision call and a wait for the view per PATCH.)
            repository.findAfterOwnWrites(id).ifPresent(current -> checkAggregate(current, kind, changes, null));
            return retrying(operation, n -> {
                if (n > 0) {
                    found(id, repository.findLatest(id)); // HypervisorNotFoundException when the record is gone
                }
                return repository.patchChildrenReadBack(id, kind, changes);
            });
        }
        return retrying(operation, n -> {
            StoredHypervisor current = readLatest(id, precondition);
            checkAggregate(current, kind, changes, null);
            SortedMap<String, String> map = kind == Children.CONFIG ? current.configValues() : current.subnetValues();
            changes.forEach((name, value) -> {
                if (value.isEmpty()) {
                    map.remove(name);
                } else {
                    map.put(name, value);
                }
            });
            return when(repository.patchChildren(id, kind, changes, current.revision(), Map.of()), () -> map);
        });
    }

    /**
     * The limits on what one hypervisor may hold in the store ({@link Limits}): its config keys,
     * its subnets, and its bytes across metadata, config and subnets, as they would be after
     * {@code changes} to {@code kind} (and with {@code record} as its record, when given). A
     * change that makes a hypervisor no larger is always allowed, so one that another writer
     * took past the limits can still be shrunk through the API.
     */
    private static void checkAggregate(StoredHypervisor current, Children kind, SortedMap<String, String> changes,
            Hypervisor record) {
        SortedMap<String, String> config = current.configValues();
        SortedMap<String, String> subnets = current.subnetValues();
        long before = bytes(current.readable(), config, subnets);
        int countBefore = (kind == Children.CONFIG ? config : subnets).size();
        SortedMap<String, String> changed = kind == Children.CONFIG ? config : subnets;
        changes.forEach((name, value) -> {
            if (value.isEmpty()) {
                changed.remove(name);
            } else {
                changed.put(name, value);
            }
        });
        if (changed.size() > countBefore) {
            if (kind == Children.CONFIG) {
                Limits.requireAtMost(config.size(), Limits.CONFIG_KEYS_PER_HYPERVISOR,
                        "the number of config keys of hypervisor " + current.id());
            } else {
                Limits.requireAtMost(subnets.size(), Limits.SUBNETS_PER_HYPERVISOR,
                        "the number of subnets of hypervisor " + current.id());
            }
        }
        long after = bytes(record != null ? record : current.readable(), config, subnets);
        if (after > before) {
            Limits.requireAtMost(after, Limits.HYPERVISOR_BYTES,
                    "the bytes of hypervisor " + current.id() + " across its metadata, config and subnets");
        }
    }

    private static long bytes(Hypervisor record, Map<String, String> config, Map<String, String> subnets) {
        long bytes = 0;
        if (record != null) {
            for (Map.Entry<String, String> e : record.metadata().entrySet()) {
                bytes += Limits.utf8Length(e.getKey()) + Limits.utf8Length(e.getValue());
            }
        }
        for (Map.Entry<String, String> e : config.entrySet()) {
            bytes += Limits.utf8Length(e.getKey()) + Limits.utf8Length(e.getValue());
        }
        for (Map.Entry<String, String> e : subnets.entrySet()) {
            bytes += Limits.utf8Length(e.getKey()) + Limits.utf8Length(e.getValue());
        }
        return bytes;
    }

    @Override
    public SortedMap<String, String> removeSubnet(HypervisorId id, SubnetId subnet, Precondition precondition) {
        return retrying("remove subnet", n -> {
            StoredHypervisor current = readLatest(id, precondition);
            Versioned<String> assigned = current.subnets().get(subnet.value());
            if (assigned == null) {
                throw new SubnetNotFoundException("subnet " + subnet + " is not assigned to hypervisor " + id);
            }
            SortedMap<String, String> map = current.subnetValues();
            map.remove(subnet.value());
            SortedMap<String, String> change = new TreeMap<>(Map.of(subnet.value(), ""));
            return when(repository.patchChildren(id, Children.SUBNETS, change, current.revision(),
                    Map.of(subnet.value(), assigned.revision())), () -> map);
        });
    }

    @Override
    public List<String> guests(HypervisorId id) {
        return read(id).guests();
    }
}
