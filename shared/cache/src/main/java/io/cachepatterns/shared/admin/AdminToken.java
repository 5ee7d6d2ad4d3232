package io.cachepatterns.shared.admin;

import io.cachepatterns.shared.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The bearer token that guards administrative endpoints ({@code admin.token}, from {@code ADMIN_TOKEN}). Without
 * one configured, those endpoints refuse everyone.
 */
@ApplicationScoped
public class AdminToken {

    private static final String BEARER = "Bearer ";

    private final Optional<String> token;

    public AdminToken(@ConfigProperty(name = "admin.token") Optional<String> token) {
        this.token = token.filter(value -> !value.isBlank());
    }

    /** A 401 problem without a bearer token, a 403 with the wrong one (or with none configured). */
    public void require(String authorization) {
        if (authorization == null || !authorization.startsWith(BEARER)) {
            throw ProblemException.unauthorized("an admin Bearer token is required");
        }
        String expected = token.orElseThrow(() ->
                ProblemException.forbidden("administration is disabled: no admin token is configured"));
        byte[] given = authorization.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8);
        // Constant time, so that the answer's timing does not reveal how much of the token was right.
        if (!MessageDigest.isEqual(given, expected.getBytes(StandardCharsets.UTF_8))) {
            throw ProblemException.forbidden("this token may not administer this service");
        }
    }
}
