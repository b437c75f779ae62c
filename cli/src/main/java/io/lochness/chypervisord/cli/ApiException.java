package io.lochness.chypervisord.cli;

/**
 * One request the service answered with an error: the command reports it in one line and goes on
 * with its other arguments.
 */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }

    /** {@code 404 hypervisor ... not found}: the status, then the service's message. */
    String line() {
        return status + " " + getMessage();
    }
}
