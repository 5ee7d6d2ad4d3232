package io.cachepatterns.profile.account.service;

import io.quarkus.elytron.security.common.BcryptUtil;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * bcrypt on a worker thread: a hash takes tens of milliseconds of CPU on purpose, far too long for the event loop.
 * {@code executeBlocking} answers on the caller's context, where Hibernate Reactive needs the rest of the request.
 *
 * <p>The cost ({@code password.bcrypt-cost}) is chosen by measuring; see the README's security model. A stored hash
 * carries its own cost, so raising it applies to new passwords and old ones still verify.
 */
@ApplicationScoped
public class PasswordHasher {

    private final Vertx vertx;
    private final int cost;
    /** Compared against when the username is unknown, so that the answer takes as long as for a wrong password. */
    private final String decoy;

    public PasswordHasher(Vertx vertx, @ConfigProperty(name = "password.bcrypt-cost") int cost) {
        this.vertx = vertx;
        this.cost = cost;
        this.decoy = BcryptUtil.bcryptHash("decoy-password-never-used", cost);
    }

    public Uni<String> hash(String password) {
        return vertx.executeBlocking(Uni.createFrom().item(() -> BcryptUtil.bcryptHash(password, cost)));
    }

    /** Whether {@code password} matches {@code hash}; with no hash, spends the same time and answers false. */
    public Uni<Boolean> matches(String password, String hash) {
        return vertx.executeBlocking(Uni.createFrom().item(() -> {
            boolean matches = BcryptUtil.matches(password, hash == null ? decoy : hash);
            return hash != null && matches;
        }));
    }
}
