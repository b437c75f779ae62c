package io.lochness.chypervisord.domain.model;

/**
 * An IPv4 or IPv6 address in canonical text, or {@link #UNSET} ({@code ""}).
 *
 * <p>Parsing is strict and never touches DNS: IPv4 is four decimal octets without leading zeros;
 * IPv6 is RFC 4291 text (with {@code ::} and an optional trailing dotted quad), without a zone.
 * The canonical form is RFC 5952's (lowercase, no leading zeros, the longest run of two or more
 * zero groups as {@code ::}); an IPv4-mapped IPv6 address reads back as its IPv4 text, as Go's
 * {@code net.IP}, which the other lochness daemons use, prints it.
 */
public record IpAddress(String value) {
    public static final IpAddress UNSET = new IpAddress("");

    public IpAddress {
        if (value == null) {
            throw new InvalidInputException("IP address must not be null");
        }
        if (!value.isEmpty()) {
            value = canonical(value);
        }
    }

    /** Parses {@code text}, naming {@code field} in the error when it is not an address. */
    public static IpAddress parse(String field, String text) {
        try {
            return new IpAddress(text);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(field + ": " + e.getMessage());
        }
    }

    public boolean isSet() {
        return !value.isEmpty();
    }

    private static String canonical(String text) {
        byte[] bytes = text.indexOf(':') >= 0 ? parseV6(text) : parseV4(text);
        if (bytes == null) {
            throw new InvalidInputException("not an IPv4 or IPv6 address: " + Text.quote(text));
        }
        return bytes.length == 4 ? formatV4(bytes, 0) : formatV6(bytes);
    }

    private static byte[] parseV4(String text) {
        byte[] out = new byte[4];
        return parseV4Into(text, out, 0) ? out : null;
    }

    private static boolean parseV4Into(String text, byte[] out, int offset) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
                return false;
            }
            int v = 0;
            for (int j = 0; j < p.length(); j++) {
                char c = p.charAt(j);
                if (c < '0' || c > '9') {
                    return false;
                }
                v = v * 10 + (c - '0');
            }
            if (v > 255) {
                return false;
            }
            out[offset + i] = (byte) v;
        }
        return true;
    }

    private static byte[] parseV6(String text) {
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        byte[] out = new byte[16];
        if (gap < 0) {
            return parseGroups(text, out, 0, 16, true) == 16 ? out : null;
        }
        byte[] head = new byte[16];
        byte[] tail = new byte[16];
        int h = gap == 0 ? 0 : parseGroups(text.substring(0, gap), head, 0, 16, false);
        String rest = text.substring(gap + 2);
        int t = rest.isEmpty() ? 0 : parseGroups(rest, tail, 0, 16, true);
        if (h < 0 || t < 0 || h + t > 14) {
            return null;
        }
        System.arraycopy(head, 0, out, 0, h);
        System.arraycopy(tail, 0, out, 16 - t, t);
        return out;
    }

    /**
     * Parses colon-separated groups; the last may be a dotted quad when {@code v4Tail} (only the
     * address's final 32 bits may be written so). Returns the bytes read, or -1.
     */
    private static int parseGroups(String text, byte[] out, int offset, int limit, boolean v4Tail) {
        String[] groups = text.split(":", -1);
        int n = offset;
        for (int i = 0; i < groups.length; i++) {
            String g = groups[i];
            if (v4Tail && i == groups.length - 1 && g.indexOf('.') >= 0) {
                if (n + 4 > limit || !parseV4Into(g, out, n)) {
                    return -1;
                }
                n += 4;
                continue;
            }
            if (g.isEmpty() || g.length() > 4 || n + 2 > limit) {
                return -1;
            }
            int v = 0;
            for (int j = 0; j < g.length(); j++) {
                int d = Hex.digit(g.charAt(j));
                if (d < 0) {
                    return -1;
                }
                v = v * 16 + d;
            }
            out[n++] = (byte) (v >> 8);
            out[n++] = (byte) v;
        }
        return n - offset;
    }

    private static String formatV4(byte[] b, int offset) {
        return (b[offset] & 0xff) + "." + (b[offset + 1] & 0xff) + "." + (b[offset + 2] & 0xff) + "." + (b[offset + 3] & 0xff);
    }

    private static String formatV6(byte[] b) {
        boolean mapped = true;
        for (int i = 0; i < 10; i++) {
            mapped &= b[i] == 0;
        }
        if (mapped && b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
            return formatV4(b, 12);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLen - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return value;
    }
}
