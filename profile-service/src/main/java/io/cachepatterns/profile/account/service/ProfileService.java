package io.cachepatterns.profile.account.service;

import io.cachepatterns.profile.account.Profile;
import io.cachepatterns.profile.account.repository.ProfileRepository;
import io.cachepatterns.profile.session.repository.SessionRepository;
import io.cachepatterns.shared.auth.Authenticator;
import io.cachepatterns.shared.auth.Role;
import io.cachepatterns.shared.invalidation.Invalidation;
import io.cachepatterns.shared.outbox.Outbox;
import io.cachepatterns.shared.patterns.CacheRead;
import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.patterns.WriteThrough;
import io.cachepatterns.shared.problem.DatabaseErrors;
import io.cachepatterns.shared.problem.ProblemException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Profiles through a write-through cache: every committed write is written to Redis before the client is answered,
 * so the client's next read sees it, from the cache.
 */
@Startup // its caches exist from start-up: this instance's outbox relay delivers their invalidations before a request
@ApplicationScoped
public class ProfileService {

    public static final String CACHE = "profiles";

    private final ProfileRepository repository;
    private final PasswordHasher hasher;
    private final WriteThrough<ProfileView> profiles;

    private final Outbox outbox;
    private final SessionRepository sessions;
    private final Authenticator authenticator;

    public ProfileService(ProfileRepository repository, PasswordHasher hasher, Caches caches, Outbox outbox,
                          SessionRepository sessions, Authenticator authenticator) {
        this.repository = repository;
        this.hasher = hasher;
        this.outbox = outbox;
        this.sessions = sessions;
        this.authenticator = authenticator;
        this.profiles = caches.writeThrough(CACHE, ProfileView.class, view -> String.valueOf(view.id()),
                ProfileView::version);
    }

    public Uni<CacheRead<ProfileView>> find(long id) {
        return profiles.read(String.valueOf(id), () -> Panache.withSession(() -> repository.findProfile(id))
                .map(profile -> profile == null ? null : ProfileView.of(profile)));
    }

    public Uni<ProfileView> register(Registration registration) {
        return hasher.hash(registration.password())
                .flatMap(hash -> profiles.write(() -> outbox.transaction(() -> {
                    Profile profile = new Profile();
                    profile.username = registration.username();
                    profile.passwordHash = hash;
                    apply(registration.displayName(), registration.email(), registration.bio(), profile);
                    return repository.persistAndFlush(profile).map(ignored -> ProfileView.of(profile));
                }, this::cachedCopy)))
                .onFailure(DatabaseErrors::isUniqueViolation).transform(failure ->
                        ProblemException.conflict("username", "this username is taken"));
    }

    /**
     * Updates a profile; with {@code expectedVersion} (from {@code If-Match}), only if it is still that version.
     * Concurrent updates of one profile take turns on a row lock, so none is lost.
     */
    public Uni<ProfileView> update(long id, Long expectedVersion, ProfileUpdate update) {
        // The outbox row makes the cache write durable: if Redis cannot take it, the old copy is superseded later.
        return profiles.write(() -> outbox.transaction(() -> repository.findForUpdate(id)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("no profile " + id))
                .invoke(profile -> {
                    if (expectedVersion != null && expectedVersion != profile.version) {
                        throw ProblemException.preconditionFailed("profile " + id + " is at version "
                                + profile.version + ", not " + expectedVersion);
                    }
                    apply(update.displayName(), update.email(), update.bio(), profile);
                })
                .call(profile -> repository.flush()) // raises the version now, so the answer and cache carry it
                .map(ProfileView::of), this::cachedCopy));
    }

    /** A role change and the live sessions of the profile, whose cached copies carry the old roles. */
    private record RolesChanged(ProfileView view, List<String> sessionHashes) {
    }

    /**
     * Gives a profile exactly {@code roles} (an admin's act). The profile's cached sessions are invalidated in the
     * same outbox transaction, so every service sees the new roles at its next request, not after the cache TTL.
     */
    public Uni<ProfileView> setRoles(long id, Set<Role> roles) {
        String column = roles.stream().sorted().map(Role::wireName).collect(Collectors.joining(","));
        return profiles.write(() -> outbox.transaction(() -> repository.findForUpdate(id)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("no profile " + id))
                .invoke(profile -> {
                    profile.roles = column;
                    profile.updatedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
                })
                .call(profile -> repository.flush())
                .flatMap(profile -> sessions.liveHashesOf(id, Instant.now())
                        .map(hashes -> new RolesChanged(ProfileView.of(profile), hashes))),
                changed -> {
                    List<Invalidation> invalidations = new ArrayList<>(cachedCopy(changed.view()));
                    changed.sessionHashes().forEach(hash ->
                            invalidations.add(authenticator.sessionCache().invalidationOf(hash)));
                    return invalidations;
                }).map(RolesChanged::view));
    }

    private List<Invalidation> cachedCopy(ProfileView view) {
        return List.of(profiles.invalidationOf(view));
    }

    /** The profile id for these credentials; a 401 that does not say which part was wrong. */
    public Uni<Long> authenticate(String username, String password) {
        return Panache.withSession(() -> repository.findByUsername(username))
                .flatMap(profile -> hasher.matches(password, profile == null ? null : profile.passwordHash)
                        .map(matches -> {
                            if (!matches) {
                                throw ProblemException.unauthorized("wrong username or password");
                            }
                            return profile.id;
                        }));
    }

    private static void apply(String displayName, String email, String bio, Profile profile) {
        profile.displayName = displayName;
        profile.email = email;
        profile.bio = bio;
        profile.updatedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

}
