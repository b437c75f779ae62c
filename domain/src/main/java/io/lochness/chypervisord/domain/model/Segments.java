package io.lochness.chypervisord.domain.model;

/** The rule shared by every value that becomes one segment of a store key. */
final class Segments {
    private Segments() {}

    static void requireSegment(String value, String what, int maxLength) {
        if (value == null || value.isEmpty()) {
            throw new InvalidInputException(what + " must not be empty");
        }
        int length = value.codePointCount(0, value.length());
        if (length > maxLength) {
            throw new InvalidInputException(
                    what + " must be at most " + maxLength + " characters, got " + length + ": " + Text.quote(value));
        }
        if (value.equals(".") || value.equals("..")) {
            throw new InvalidInputException(what + " must not be " + Text.quote(value));
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '/') {
                throw new InvalidInputException(what + " must not contain '/': " + Text.quote(value));
            }
            if (Character.isISOControl(c)) {
                throw new InvalidInputException(what + " must not contain control characters: " + Text.quote(value));
            }
            if (Character.isSurrogate(c)
                    && !(Character.isHighSurrogate(c)
                            && i + 1 < value.length()
                            && Character.isLowSurrogate(value.charAt(++i)))) {
                throw new InvalidInputException(what + " must be valid Unicode: " + Text.quote(value));
            }
        }
    }
}
