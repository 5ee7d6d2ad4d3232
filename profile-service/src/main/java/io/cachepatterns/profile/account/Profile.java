package io.cachepatterns.profile.account;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Version;
import java.time.Instant;

/** A user's profile, as stored in PostgreSQL. */
@Entity
public class Profile extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false, unique = true, length = 32)
    public String username;

    @Column(name = "display_name", nullable = false, length = 100)
    public String displayName;

    @Column(nullable = false, length = 254)
    public String email;

    @Column(length = 1000)
    public String bio;

    /** bcrypt; never leaves the service. */
    @Column(name = "password_hash", nullable = false, length = 100)
    public String passwordHash;

    /** Comma-separated role names ({@code editor,admin}); empty for a plain user. */
    @Column(nullable = false, length = 100)
    public String roles = "";

    /** Raised on every update; the write-through cache keeps only the newest version. */
    @Version
    public long version;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
