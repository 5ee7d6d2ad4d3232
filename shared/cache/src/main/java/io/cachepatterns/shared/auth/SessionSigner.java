package io.cachepatterns.shared.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks cached sessions with HMAC-SHA256 keyed by the fleet's {@code SESSION_SECRET}.
 *
 * <p><b>What is trusted.</b> Redis is a cache, not an authority: whoever can write to it (a leaked password, a
 * neighbour on its network) must not be able to become anyone. Every cached session carries a MAC over the token's
 * hash (its cache key, so an entry cannot be moved to another token), the profile, the roles and the expiry; an entry
 * whose MAC does not match is dropped and the session store asked instead. The secret is known to the services only
 * (never to Redis); whoever holds it can sign sessions, so it is a credential like the database password.
 */
public final class SessionSigner {

    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;

    public SessionSigner(String secret) {
        if (secret == null || secret.getBytes(StandardCharsets.UTF_8).length < 32) {
            throw new IllegalArgumentException("the session secret must be at least 32 bytes");
        }
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }

    public SessionGrant sign(String tokenHash, SessionGrant grant) {
        return grant.withMac(mac(tokenHash, grant));
    }

    /** Constant time, so that the timing of a refusal says nothing about how much of a forged MAC was right. */
    public boolean verify(String tokenHash, SessionGrant grant) {
        if (grant.mac() == null) {
            return false;
        }
        return MessageDigest.isEqual(mac(tokenHash, grant).getBytes(StandardCharsets.US_ASCII),
                grant.mac().getBytes(StandardCharsets.US_ASCII));
    }

    private String mac(String tokenHash, SessionGrant grant) {
        // Unambiguous: every part is free of '\n' (a hex hash, numbers, role names from a fixed set).
        String signed = String.join("\n", List.of("session-v1", tokenHash, Long.toString(grant.profileId()),
                String.join(",", grant.roles()), Long.toString(grant.expiresAt().toEpochMilli())));
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
