package io.cachepatterns.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

/**
 * The short run of the fault suite: every fault kind once, about four minutes with the start and the settling
 * ({@code -Dchaos.seconds}, {@code -Dchaos.seed} for another; {@code -Dchaos.skip} to leave it out). No guarantee
 * may break. The long run is {@code bin/chaos 1200}.
 */
@DisabledIfSystemProperty(named = "chaos.skip", matches = "true|")
class ChaosIT {

    @Test
    void everyGuaranteeHoldsWhileThingsBreak() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        HistoryChecker checker = ChaosRun.run(root, Duration.ofSeconds(Long.getLong("chaos.seconds", 120)),
                Long.getLong("chaos.seed", 1));

        assertThat(checker.violations()).isEmpty();
        assertThat(checker.readsChecked()).isGreaterThan(1_000);
    }
}
