package io.lochness.chypervisord.adapter.in.http;

/** A method the path does not serve; answered with 405 and an Allow header. */
public final class MethodNotAllowedException extends RuntimeException {
    public MethodNotAllowedException(String message) {
        super(message);
    }
}
