package io.lochness.chypervisord.domain.model;

/**
 * The bridge a subnet is reached through: a Linux interface name, 1 to 15 characters, no
 * {@code /}, no white space or control characters, not {@code .} or {@code ..}.
 */
public record BridgeName(String value) {
    /** IFNAMSIZ (16) less the terminating NUL. */
    public static final int MAX_LENGTH = 15;

    public BridgeName {
        Segments.requireSegment(value, "bridge name", MAX_LENGTH);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c) || c == ':') {
                throw new InvalidInputException(
                        "bridge name must not contain white space or ':': " + Text.quote(value));
            }
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
