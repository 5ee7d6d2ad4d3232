package io.cachepatterns.profile.session.service;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** What a client sends to log in. */
public record Credentials(@NotBlank @Size(max = 32) String username, @NotBlank @Size(max = 200) String password) {

    @Override
    public String toString() {
        return "Credentials[username=" + username + "]";
    }
}
