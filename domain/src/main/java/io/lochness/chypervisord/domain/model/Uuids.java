package io.lochness.chypervisord.domain.model;

/** Parsing of UUID text as the API accepts it: 8-4-4-4-12 hex digits, any case. */
final class Uuids {
    private Uuids() {}

    /**
     * Returns {@code text} lowercased when it is a UUID in its canonical 36-character form.
     *
     * @throws InvalidInputException naming {@code what} otherwise
     */
    static String canonical(String text, String what) {
        if (text == null || !isUuid(text)) {
            throw new InvalidInputException(what + " must be a UUID (8-4-4-4-12 hex digits): " + Text.quote(text));
        }
        return text.toLowerCase(java.util.Locale.ROOT);
    }

    static boolean isUuid(String text) {
        if (text.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = text.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : Hex.digit(c) < 0) {
                return false;
            }
        }
        return true;
    }
}
