package io.cachepatterns.profile.session.repository;

import io.cachepatterns.profile.account.repository.ProfileRepository;
import io.cachepatterns.profile.account.service.ProfileView;
import io.cachepatterns.shared.auth.SessionGrant;
import io.cachepatterns.shared.auth.SessionSource;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/**
 * The session store itself, for the shared {@code Authenticator} here: profile-service answers a miss from its own
 * database, where the other services ask it over HTTP. The roles are the profile's at the time of the lookup.
 */
@ApplicationScoped
public class StoredSessions implements SessionSource {

    private final SessionRepository sessions;
    private final ProfileRepository profiles;

    public StoredSessions(SessionRepository sessions, ProfileRepository profiles) {
        this.sessions = sessions;
        this.profiles = profiles;
    }

    @Override
    public Uni<SessionGrant> load(String token, String tokenHash) {
        return Panache.withSession(() -> sessions.findLive(tokenHash, Instant.now())
                .flatMap(session -> session == null ? Uni.createFrom().nullItem()
                        : profiles.findById(session.profileId).map(profile -> profile == null ? null
                                : new SessionGrant(profile.id, ProfileView.rolesOf(profile.roles), session.expiresAt,
                                        null))));
    }
}
