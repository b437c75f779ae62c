package io.lochness.chypervisord.bootstrap;

/** A command line that cannot be run: printed as one line on stderr, exit status 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
