package io.lochness.chypervisord.domain.model;

import java.util.Set;

/**
 * A client's condition on the record's current revision (HTTP {@code If-Match}): none, any
 * existing record ({@code *}), or one of a set of revisions.
 */
public record Precondition(Set<Long> revisions, boolean anyRevision) {
    public static final Precondition NONE = new Precondition(null, false);
    public static final Precondition ANY = new Precondition(null, true);

    public Precondition {
        revisions = revisions == null ? null : Set.copyOf(revisions);
    }

    public static Precondition oneOf(Set<Long> revisions) {
        return new Precondition(revisions, false);
    }

    /** Whether a record currently at {@code revision} satisfies the condition. */
    public boolean allows(long revision) {
        return revisions == null || revisions.contains(revision);
    }

    /** Whether the client sent any condition at all. */
    public boolean isGiven() {
        return revisions != null || anyRevision;
    }
}
