package io.lochness.chypervisord.cli;

import java.net.URI;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code Link: <...>; rel="next"} header of a page (RFC 8288), resolved against the page's URL. */
final class Links {
    private static final Pattern LINK = Pattern.compile("<([^>]*)>([^,<]*)");
    private static final Pattern REL = Pattern.compile("(?i)\\brel\\s*=\\s*(?:\"([^\"]*)\"|([^;\\s]+))");

    private Links() {}

    /** The next page's URL, or null on the last page. */
    static URI next(Client.Answer answer) {
        for (String header : answer.headers().allValues("Link")) {
            Matcher link = LINK.matcher(header);
            while (link.find()) {
                Matcher rel = REL.matcher(link.group(2));
                if (rel.find()) {
                    String relations = rel.group(1) != null ? rel.group(1) : rel.group(2);
                    for (String relation : relations.strip().split("\\s+")) {
                        if (relation.equalsIgnoreCase("next")) {
                            try {
                                return answer.uri().resolve(link.group(1).strip());
                            } catch (IllegalArgumentException e) {
                                throw new FatalException("the service's Link header is not a URL: " + header);
                            }
                        }
                    }
                }
            }
        }
        return null;
    }
}
