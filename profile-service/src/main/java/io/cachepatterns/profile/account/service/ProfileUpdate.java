package io.cachepatterns.profile.account.service;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** What the owner sends to change a profile; the username never changes. */
public record ProfileUpdate(
        @NotBlank @Size(max = 100) String displayName,
        @NotBlank @Email @Size(max = 254) String email,
        @Size(max = 1000) String bio) {
}
