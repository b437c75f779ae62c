package io.lochness.chypervisord.adapter.in.http;

/** A request body over the API's limit; answered with 413. */
public final class PayloadTooLargeException extends RuntimeException {
    public PayloadTooLargeException(String message) {
        super(message);
    }
}
