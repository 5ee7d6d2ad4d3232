package io.cachepatterns.profile;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachepatterns.profile.account.service.PasswordPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the password rule refuses and accepts, without a server. */
class PasswordPolicyTest {

    @ParameterizedTest
    @ValueSource(strings = {"password1234", "1234567890ab", "qwertyuiop12", "Password2024!", "iloveyou1234",
        "letmein12345", "zxcvbnmasdfg", "abcdefghijkl", "football1990", "dragon123456", "trustno1trustno1",
        "passwordpassword", "123123123123", "11111111111a", "elevenchars", "S3cr3t!12345", "admin1234567"})
    void refused(String password) {
        assertThat(PasswordPolicy.problem(password)).as(password).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"correct horse battery", "violet kettle orbit", "mauve-lantern-92-otter", "Tq8#vLp2!xRz",
        "demo-password-1", "blue sky over the harbour"})
    void accepted(String password) {
        assertThat(PasswordPolicy.problem(password)).as(password).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void aPasswordLongerThanBcryptReadsIsRefused() {
        assertThat(PasswordPolicy.problem("a quiet walk ".repeat(6))).isPresent(); // 78 bytes
        assertThat(PasswordPolicy.problem("Ωmega-walk-".repeat(7))).isPresent(); // 84 bytes in UTF-8
    }
}
