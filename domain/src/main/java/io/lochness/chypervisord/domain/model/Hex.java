package io.lochness.chypervisord.domain.model;

/** ASCII-only digit tests: {@link Character#digit} also accepts other scripts' digits. */
final class Hex {
    private Hex() {}

    /** The value of an ASCII hex digit, or -1. */
    static int digit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
