package io.cachepatterns.profile.account.service;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** What a client sends to register. */
public record Registration(
        @NotBlank @Pattern(regexp = "[a-z0-9_]{3,32}", message = "must be 3 to 32 of a-z, 0-9 and _") String username,
        @NotBlank @StrongPassword String password,
        @NotBlank @Size(max = 100) String displayName,
        @NotBlank @Email @Size(max = 254) String email,
        @Size(max = 1000) String bio) {

    @Override
    public String toString() {
        return "Registration[username=" + username + "]"; // never the password, not even in a log line
    }
}
