package io.lochness.chypervisord.bootstrap;

/** The store implementations chypervisord can run on. */
public enum Backend {
    MEMORY,
    ETCD,
    CONSUL
}
