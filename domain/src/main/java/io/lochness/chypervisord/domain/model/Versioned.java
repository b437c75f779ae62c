package io.lochness.chypervisord.domain.model;

/** A value with the store revision it was read or written at (the source of the HTTP ETag). */
public record Versioned<T>(T value, long revision) {}
