package io.cachepatterns.shared.auth;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The role annotations at work: each filter runs only on the endpoints its annotation marks, after routing and
 * before the body is read, so an anonymous caller cannot make a service parse (or even receive) a large body.
 * The checked caller is left in the request as {@link #CALLER} for a resource that needs it.
 */
public class RoleChecks {

    /** The request property holding the {@link Caller}. */
    public static final String CALLER = "cachepatterns.caller";

    private final Authenticator authenticator;

    public RoleChecks(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    @RequiresEditor
    @ServerRequestFilter
    public Uni<Void> editor(ContainerRequestContext request) {
        return check(request, Role.EDITOR);
    }

    @RequiresAdmin
    @ServerRequestFilter
    public Uni<Void> admin(ContainerRequestContext request) {
        return check(request, Role.ADMIN);
    }

    @RequiresTrusted
    @ServerRequestFilter
    public Uni<Void> trusted(ContainerRequestContext request) {
        return check(request, Role.SERVICE);
    }

    private Uni<Void> check(ContainerRequestContext request, Role role) {
        return authenticator.require(request.getHeaderString(HttpHeaders.AUTHORIZATION), role)
                .invoke(caller -> request.setProperty(CALLER, caller))
                .replaceWithVoid();
    }
}
