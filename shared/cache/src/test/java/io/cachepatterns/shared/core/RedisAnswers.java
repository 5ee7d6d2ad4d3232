package io.cachepatterns.shared.core;

import io.vertx.mutiny.redis.client.Command;
import java.time.Duration;
import java.util.List;

/**
 * For tests: waits until a PING through the store succeeds — after a restart of Redis (the breaker must close
 * again) or at the start of a test JVM (the first command opens the connection and may outlast the 250 ms timeout).
 */
public final class RedisAnswers {

    private RedisAnswers() {
    }

    public static void await(RedisStore store, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                store.command(Command.PING, List.of()).await().atMost(Duration.ofSeconds(1));
                return;
            } catch (RuntimeException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(100);
            }
        }
    }
}
