package io.lochness.chypervisord.domain.model;

import java.util.Locale;

/**
 * A hardware address, held lowercase and colon-separated, or {@link #UNSET} ({@code ""}).
 *
 * <p>Accepts what Go's {@code net.ParseMAC} accepts, which the other lochness daemons use: 6, 8
 * or 20 octets as {@code 01:23:45:67:89:ab}, {@code 01-23-45-67-89-ab} or {@code
 * 0123.4567.89ab}, in any case.
 */
public record MacAddress(String value) {
    public static final MacAddress UNSET = new MacAddress("");

    public MacAddress {
        if (value == null) {
            throw new InvalidInputException("MAC address must not be null");
        }
        if (!value.isEmpty()) {
            value = canonical(value);
        }
    }

    public boolean isSet() {
        return !value.isEmpty();
    }

    private static String canonical(String text) {
        String hex = digits(text);
        if (hex == null) {
            throw new InvalidInputException(
                    "mac must be a hardware address such as 01:23:45:67:89:ab: " + Text.quote(text));
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            if (i > 0) {
                out.append(':');
            }
            out.append(hex, i, i + 2);
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }

    /** The address's hex digits, or null when the text is not one of the accepted forms. */
    private static String digits(String text) {
        char sep;
        int groupLength;
        if (text.length() >= 14 && text.charAt(4) == '.') {
            sep = '.';
            groupLength = 4;
        } else if (text.length() >= 17 && (text.charAt(2) == ':' || text.charAt(2) == '-')) {
            sep = text.charAt(2);
            groupLength = 2;
        } else {
            return null;
        }
        String[] groups = text.split(sep == '.' ? "\\." : String.valueOf(sep), -1);
        StringBuilder hex = new StringBuilder();
        for (String g : groups) {
            if (g.length() != groupLength) {
                return null;
            }
            for (int i = 0; i < g.length(); i++) {
                if (Hex.digit(g.charAt(i)) < 0) {
                    return null;
                }
            }
            hex.append(g);
        }
        int octets = hex.length() / 2;
        return octets == 6 || octets == 8 || octets == 20 ? hex.toString() : null;
    }

    @Override
    public String toString() {
        return value;
    }
}
