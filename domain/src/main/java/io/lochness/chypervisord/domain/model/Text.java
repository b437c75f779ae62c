package io.lochness.chypervisord.domain.model;

/** Quoting of user input for error messages: bounded in length, control characters escaped. */
public final class Text {
    private static final int MAX = 80;

    private Text() {}

    /** {@code text} in double quotes, cut to 80 characters, with control characters escaped. */
    public static String quote(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder("\"");
        int n = Math.min(text.length(), MAX);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", (int) c));
            } else if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else {
                out.append(c);
            }
        }
        if (text.length() > MAX) {
            out.append("...");
        }
        return out.append('"').toString();
    }
}
