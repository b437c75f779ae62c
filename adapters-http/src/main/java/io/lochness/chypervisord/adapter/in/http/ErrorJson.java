package io.lochness.chypervisord.adapter.in.http;

/** The one error body of the API: {@code {"message": "...", "code": N}}, code being the status. */
public record ErrorJson(String message, int code) {}
