package io.cachepatterns.profile.session;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A login session, known by the SHA-256 of its token: the token itself is only ever in the client's hands. */
@Entity
@Table(name = "user_session")
public class Session extends PanacheEntityBase {

    @Id
    @Column(name = "token_hash", length = 64, columnDefinition = "char(64)")
    public String tokenHash;

    @Column(name = "profile_id", nullable = false)
    public long profileId;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;
}
