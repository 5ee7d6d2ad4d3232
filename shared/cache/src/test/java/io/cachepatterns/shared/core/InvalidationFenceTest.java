package io.cachepatterns.shared.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** When the fence keeps reads off Redis, and what lowers it. */
class InvalidationFenceTest {

    @Test
    void withoutAnOutboxTheFenceFallsOnItsOwnOnceTheHoldIsOver() throws InterruptedException {
        InvalidationFence fence = new InvalidationFence(new SimpleMeterRegistry(), Duration.ofMillis(200));
        assertFalse(fence.isRaised());
        fence.raise();
        assertTrue(fence.isRaised(), "right after a Redis failure");
        Thread.sleep(300);
        assertFalse(fence.isRaised(), "the hold is over");
    }

    @Test
    void withAnOutboxOnlyTheRelayLowersItAndNotBeforeTheHold() throws InterruptedException {
        InvalidationFence fence = new InvalidationFence(new SimpleMeterRegistry(), Duration.ofMillis(200));
        fence.guard();
        fence.raise();
        fence.lowerIfUnchanged(fence.generation());
        assertTrue(fence.isRaised(), "the relay found the outbox empty, but within the hold");
        Thread.sleep(300);
        assertTrue(fence.isRaised(), "the hold is over, but the relay has not polled yet");
        fence.lowerIfUnchanged(fence.generation());
        assertFalse(fence.isRaised(), "the relay found the outbox empty after the hold");
    }

    @Test
    void aFailureDuringTheRelaysPollKeepsItRaised() throws InterruptedException {
        InvalidationFence fence = new InvalidationFence(new SimpleMeterRegistry(), Duration.ZERO);
        fence.guard();
        fence.raise();
        long beforePoll = fence.generation();
        Thread.sleep(5);
        fence.raise(); // an invalidation failed while the relay was polling
        fence.lowerIfUnchanged(beforePoll);
        assertTrue(fence.isRaised());
    }
}
