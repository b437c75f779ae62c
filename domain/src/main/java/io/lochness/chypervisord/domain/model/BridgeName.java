package io.lochness.chypervisord.domain.model;

/**
 * The bridge a subnet is reached through: a Linux interface name, 1 to 15 bytes of UTF-8, no
 * {@code /}, no white space, {@code :} or control characters (the kernel's {@code dev_valid_name}), not {@code .} or {@code ..}.
 */
public record BridgeName(String value) {
    /** IFNAMSIZ (16) less the terminating NUL. */
    public static final int MAX_LENGTH = 15;

    public BridgeName {
        Segments.requireSegment(value, "bridge name", MAX_LENGTH);
        if (value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_LENGTH) {
            throw new InvalidInputException(
                    "bridge name must be at most " + MAX_LENGTH + " bytes (the kernel's IFNAMSIZ): " + Text.quote(value));
        }
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
