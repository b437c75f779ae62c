package io.lochness.chypervisord.adapter.in.http;

/**
 * The request's framing is broken (a chunk size that is not hex, a missing line end): answered
 * 400, and the connection is closed, since where the next request starts is unknown.
 */
public final class MalformedRequestException extends RuntimeException {
    public MalformedRequestException(String message) {
        super(message);
    }
}
