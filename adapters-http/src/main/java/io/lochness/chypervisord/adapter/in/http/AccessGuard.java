package io.lochness.chypervisord.adapter.in.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.lochness.chypervisord.adapter.in.http.AccessRules.Caller;
import io.lochness.chypervisord.adapter.in.http.AccessRules.Role;
import java.security.Principal;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Who may do what, checked before routing, and the audit trail.
 *
 * <ul>
 *   <li>A request with an {@code Origin} header not in {@code --allowed-origins} is refused with
 *       403, whatever the auth mode: browsers send one on cross-site requests (and on a DNS
 *       rebinding attack), curl and the lochness daemons send none.
 *   <li>With access rules ({@code --auth-file}): a bearer token ({@code Authorization: Bearer}) or
 *       a verified client certificate's CN names the caller; none or an unknown one is 401 with
 *       {@code WWW-Authenticate: Bearer}; a reader doing anything but GET or HEAD is 403. The
 *       health endpoints stay open for probes. Without rules everyone is {@code anonymous} and may
 *       do everything (the service warns so at start).
 *   <li>One audit line per write and per refused request on the {@code chypervisord.audit}
 *       logger, at info: who, method, path, status and the revision written. Never a token.
 * </ul>
 *
 * The rules can be swapped while serving ({@link #rules(AccessRules)}, on SIGHUP).
 */
public final class AccessGuard {
    private static final System.Logger AUDIT = System.getLogger("chypervisord.audit");

    private final AtomicReference<AccessRules> rules;
    private final Set<String> allowedOrigins;

    /** {@code rules} null: open (anyone who reaches the port may do everything). */
    public AccessGuard(AccessRules rules, List<String> allowedOrigins) {
        this.rules = new AtomicReference<>(rules);
        this.allowedOrigins = Set.copyOf(allowedOrigins);
    }

    /** Open, and no web origin allowed. */
    public static AccessGuard open() {
        return new AccessGuard(null, List.of());
    }

    /** Swaps the rules (a reloaded access file); ignored when the guard was started open. */
    public void rules(AccessRules newRules) {
        if (rules.get() != null && newRules != null) {
            rules.set(newRules);
        }
    }

    public boolean authenticating() {
        return rules.get() != null;
    }

    Filter filter(ObjectMapper mapper) {
        return (chain, req, res) -> filter(chain, req, res, mapper);
    }

    private void filter(FilterChain chain, RoutingRequest req, RoutingResponse res, ObjectMapper mapper) {
        Method method = req.prologue().method();
        String path = req.prologue().uriPath().rawPath();
        boolean read = method == Method.GET || method == Method.HEAD;

        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        if (origin.isPresent() && !allowedOrigins.contains(origin.get())) {
            refuse(req, res, mapper, Status.FORBIDDEN_403, "anonymous", "requests from the web origin "
                    + quote(origin.get()) + " are not allowed (see --allowed-origins)");
            return;
        }
        AccessRules current = rules.get();
        String who = "anonymous";
        if (current != null && !path.startsWith("/observe/health")) {
            Optional<String> authorization = req.headers().first(HeaderNames.AUTHORIZATION);
            Optional<Caller> caller;
            String failure;
            if (authorization.isPresent()) {
                String value = authorization.get().strip();
                boolean bearer = value.length() > 7 && value.substring(0, 7).equalsIgnoreCase("bearer ");
                caller = bearer ? current.byToken(value.substring(7).strip()) : Optional.empty();
                failure = bearer ? "the bearer token is not valid" : "the Authorization header must be 'Bearer TOKEN'";
            } else {
                Optional<String> cn = req.remotePeer().tlsPrincipal().flatMap(AccessGuard::commonName);
                caller = cn.flatMap(current::byCommonName);
                failure = cn.isPresent() ? "the client certificate " + quote("CN=" + cn.get()) + " has no access rule"
                        : "credentials are required: Authorization: Bearer TOKEN, or a client certificate";
            }
            if (caller.isEmpty()) {
                res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"chypervisord\"");
                refuse(req, res, mapper, Status.UNAUTHORIZED_401, "anonymous", failure);
                return;
            }
            who = caller.get().name();
            if (!read && caller.get().role() != Role.WRITER) {
                refuse(req, res, mapper, Status.FORBIDDEN_403, who, who + " is a reader: it may only GET and HEAD, not "
                        + method.text() + " " + path);
                return;
            }
        }
        chain.proceed();
        if (!read) {
            audit(who, method.text(), path, res.status().code(), res.headers().first(HeaderNames.ETAG)
                    .map(t -> t.replace("\"", "")).orElse("-"));
        }
    }

    private static void refuse(RoutingRequest req, RoutingResponse res, ObjectMapper mapper, Status status, String who,
            String message) {
        ErrorMapping.sendError(req, res, mapper, status, message);
        audit(who, req.prologue().method().text(), req.prologue().uriPath().rawPath(), status.code(), "-");
    }

    private static void audit(String who, String method, String path, int status, String revision) {
        AUDIT.log(System.Logger.Level.INFO, "who=" + who + " method=" + method + " path=" + path + " status=" + status
                + " revision=" + revision);
    }

    /** The CN of a certificate's subject. */
    static Optional<String> commonName(Principal principal) {
        try {
            for (Rdn rdn : new LdapName(principal.getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return Optional.of(String.valueOf(rdn.getValue()));
                }
            }
        } catch (InvalidNameException e) {
            // no CN to be found
        }
        return Optional.empty();
    }

    private static String quote(String s) {
        return io.lochness.chypervisord.domain.model.Text.quote(s);
    }
}
