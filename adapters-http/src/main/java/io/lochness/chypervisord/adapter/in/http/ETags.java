package io.lochness.chypervisord.adapter.in.http;

/** Strong ETags made from store revisions: revision 42 is {@code "42"}. */
final class ETags {
    private ETags() {}

    static String format(long revision) {
        return "\"" + revision + "\"";
    }

    /** The revision in a strong ETag, or null for a weak or malformed one. */
    static Long parse(String tag) {
        if (tag.length() < 3 || tag.charAt(0) != '"' || tag.charAt(tag.length() - 1) != '"') {
            return null;
        }
        try {
            long revision = Long.parseLong(tag.substring(1, tag.length() - 1));
            return revision > 0 ? revision : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
