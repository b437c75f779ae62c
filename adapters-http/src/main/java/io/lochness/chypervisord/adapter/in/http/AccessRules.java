package io.lochness.chypervisord.adapter.in.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The access file ({@code --auth-file}): one rule a line, {@code CREDENTIAL,NAME,ROLE}, {@code #}
 * comments and blank lines ignored. CREDENTIAL is {@code sha256:HEX} (the SHA-256 of a bearer
 * token: the file holds no token) or {@code cn:COMMON_NAME} (a client certificate's subject CN,
 * verified against {@code --tls-client-ca}); ROLE is {@code reader} or {@code writer}.
 */
public final class AccessRules {
    /** What a caller may do: a reader reads, a writer does everything. */
    public enum Role { READER, WRITER }

    /** Who is calling, by the name the access file gives. */
    public record Caller(String name, Role role) {}

    private record TokenRule(byte[] sha256, Caller caller) {}

    private record CnRule(String cn, Caller caller) {}

    private final List<TokenRule> tokens;
    private final List<CnRule> cns;

    private AccessRules(List<TokenRule> tokens, List<CnRule> cns) {
        this.tokens = List.copyOf(tokens);
        this.cns = List.copyOf(cns);
    }

    /** Parses the file's lines; a bad line is an IllegalArgumentException naming its number. */
    public static AccessRules parse(List<String> lines) {
        List<TokenRule> tokens = new ArrayList<>();
        List<CnRule> cns = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = "line " + (i + 1) + ": ";
            String[] parts = line.split(",", -1);
            if (parts.length != 3) {
                throw new IllegalArgumentException(where + "want CREDENTIAL,NAME,ROLE");
            }
            String credential = parts[0].strip();
            String name = parts[1].strip();
            Role role = switch (parts[2].strip().toLowerCase(Locale.ROOT)) {
                case "reader" -> Role.READER;
                case "writer" -> Role.WRITER;
                default -> throw new IllegalArgumentException(where + "the role must be reader or writer");
            };
            if (name.isEmpty() || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException(where + "the name must be printable ASCII without spaces");
            }
            Caller caller = new Caller(name, role);
            if (credential.startsWith("sha256:")) {
                String hex = credential.substring("sha256:".length()).toLowerCase(Locale.ROOT);
                if (!hex.matches("[0-9a-f]{64}")) {
                    throw new IllegalArgumentException(where + "sha256: must be followed by 64 hex digits (the token's SHA-256)");
                }
                tokens.add(new TokenRule(HexFormat.of().parseHex(hex), caller));
            } else if (credential.startsWith("cn:")) {
                String cn = credential.substring("cn:".length());
                if (cn.isEmpty()) {
                    throw new IllegalArgumentException(where + "cn: must be followed by a certificate's common name");
                }
                cns.add(new CnRule(cn, caller));
            } else {
                throw new IllegalArgumentException(where + "the credential must start with sha256: or cn:");
            }
        }
        return new AccessRules(tokens, cns);
    }

    /**
     * The caller a bearer token belongs to. The token's SHA-256 is compared with every rule's, each
     * in constant time, so neither the match nor its position shows in the time taken.
     */
    public Optional<Caller> byToken(String token) {
        byte[] digest = sha256(token);
        Caller found = null;
        for (TokenRule rule : tokens) {
            if (MessageDigest.isEqual(rule.sha256(), digest) && found == null) {
                found = rule.caller();
            }
        }
        return Optional.ofNullable(found);
    }

    /** The caller a verified client certificate's common name belongs to. */
    public Optional<Caller> byCommonName(String cn) {
        return cns.stream().filter(r -> r.cn().equals(cn)).map(CnRule::caller).findFirst();
    }

    public int size() {
        return tokens.size() + cns.size();
    }

    /** SHA-256 of a token's UTF-8 bytes, in hex: what the access file holds for it. */
    public static String sha256Hex(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
