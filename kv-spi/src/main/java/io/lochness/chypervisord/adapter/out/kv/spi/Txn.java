package io.lochness.chypervisord.adapter.out.kv.spi;

import java.util.List;
import java.util.Objects;

/**
 * One atomic, compare-guarded store transaction: when every condition holds, every mutation is
 * applied, in order; otherwise nothing is.
 *
 * <p>{@code readBack}, when not null, is a prefix read inside the transaction, after its writes:
 * a committed result carries every key under it as the writes left them, at the commit's
 * revision, with no other writer's change in between. Only stores whose {@link
 * KeyValueStore#readsInTxn()} is true take one (etcd's Txn holds a range; Consul's {@code
 * get-tree} result cannot be told apart from its writes' results reliably enough).
 */
public record Txn(List<Condition> conditions, List<Mutation> mutations, String readBack) {
    public Txn {
        conditions = List.copyOf(conditions);
        mutations = List.copyOf(mutations);
    }

    /** A transaction that reads nothing back. */
    public Txn(List<Condition> conditions, List<Mutation> mutations) {
        this(conditions, mutations, null);
    }

    /** How many operations the transaction holds, as counted against a store's limit. */
    public int size() {
        return conditions.size() + mutations.size() + (readBack == null ? 0 : 1);
    }

    /** A guard evaluated inside the store, atomically with the writes. */
    public sealed interface Condition {}

    /**
     * Holds when {@code key} was last modified at exactly {@code revision}; a revision of 0
     * means "the key does not exist".
     */
    public record KeyAt(String key, long revision) implements Condition {
        public KeyAt {
            Objects.requireNonNull(key, "key");
            if (revision < 0) {
                throw new IllegalArgumentException("revision must not be negative");
            }
        }

        public static KeyAt absent(String key) {
            return new KeyAt(key, 0);
        }
    }

    /** Holds when {@code key} exists, whatever its revision. */
    public record Present(String key) implements Condition {
        public Present {
            Objects.requireNonNull(key, "key");
        }
    }

    /** Holds when no key starts with {@code prefix}. */
    public record PrefixEmpty(String prefix) implements Condition {
        public PrefixEmpty {
            Objects.requireNonNull(prefix, "prefix");
        }
    }

    /** A write applied when the conditions hold. */
    public sealed interface Mutation {}

    /** Sets {@code key} to {@code value}. */
    public record Put(String key, String value) implements Mutation {
        public Put {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /** Removes {@code key}; removing a missing key is not an error. */
    public record Delete(String key) implements Mutation {
        public Delete {
            Objects.requireNonNull(key, "key");
        }
    }

    /** Removes every key that starts with {@code prefix}. */
    public record DeletePrefix(String prefix) implements Mutation {
        public DeletePrefix {
            Objects.requireNonNull(prefix, "prefix");
            if (prefix.isEmpty()) {
                throw new IllegalArgumentException("refusing to delete the whole key space");
            }
        }
    }
}
