package io.cachepatterns.shared.auth;

import java.util.Locale;

/**
 * What a caller may do beyond reading public data. A profile holds roles ({@code PUT /profiles/{id}/roles}, by an
 * admin); the operator's {@code ADMIN_TOKEN} holds {@link #ADMIN}.
 */
public enum Role {
    /** Creates, changes and deletes products. */
    EDITOR,
    /** Everything an editor may, plus feature flags, dead letters and roles. */
    ADMIN,
    /** A trusted caller such as a game server: posts leaderboard scores and counts several views at once. */
    SERVICE;

    /** Whether holding this role grants {@code needed}: an admin may do what an editor or a service may. */
    public boolean grants(Role needed) {
        return this == needed || this == ADMIN;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code editor} → {@link #EDITOR}; an unknown name is {@code null}. */
    public static Role fromWire(String name) {
        for (Role role : values()) {
            if (role.wireName().equals(name)) {
                return role;
            }
        }
        return null;
    }
}
