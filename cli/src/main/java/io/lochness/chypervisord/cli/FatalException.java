package io.lochness.chypervisord.cli;

/**
 * A failure that ends the command at once with status 1: the service cannot be reached, TLS
 * failed, the feed is missing. Its message is the one line hv prints.
 */
final class FatalException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    FatalException(String message) {
        super(message);
    }
}
