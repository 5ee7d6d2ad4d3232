package io.cachepatterns.profile.account.service;

import io.quarkus.elytron.security.common.BcryptUtil;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * bcrypt on a worker thread: a hash takes tens of milliseconds of CPU on purpose, far too long for the event loop.
 * {@code executeBlocking} answers on the caller's context, where Hibernate Reactive needs the rest of the request.
 */
@ApplicationScoped
public class PasswordHasher {

    /** Compared against when the username is unknown, so that the answer takes as long as for a wrong password. */
    private static final String DECOY = BcryptUtil.bcryptHash("decoy-password-never-used");

    private final Vertx vertx;

    public PasswordHasher(Vertx vertx) {
        this.vertx = vertx;
    }

    public Uni<String> hash(String password) {
        return vertx.executeBlocking(Uni.createFrom().item(() -> BcryptUtil.bcryptHash(password)));
    }

    /** Whether {@code password} matches {@code hash}; with no hash, spends the same time and answers false. */
    public Uni<Boolean> matches(String password, String hash) {
        return vertx.executeBlocking(Uni.createFrom().item(() -> {
            boolean matches = BcryptUtil.matches(password, hash == null ? DECOY : hash);
            return hash != null && matches;
        }));
    }
}
