package io.cachepatterns.metrics.item.service;

import io.cachepatterns.metrics.item.ItemCounter;
import io.cachepatterns.metrics.item.repository.CounterRepository;
import io.cachepatterns.metrics.item.repository.LikeRepository;
import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.patterns.writebehind.WriteBehind;
import io.cachepatterns.shared.problem.ProblemException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * View and like counters through write-behind: an increment is answered once Redis has it; the flusher writes to
 * PostgreSQL every write delay, one statement per batch, and nothing acknowledged is lost if this instance dies.
 */
@ApplicationScoped
public class CounterService {

    public static final String CACHE = "counters";
    public static final List<String> FIELDS = List.of("views", "likes");
    /** The prefix of every client's {@code Idempotency-Key}; the service's own keys never start with it. */
    static final String CLIENT_KEYS = "client:";
    private static final Logger LOG = Logger.getLogger(CounterService.class);

    private final CounterRepository repository;
    private final LikeRepository likes;
    private final CountersConfig config;
    private final WriteBehind counters;

    public CounterService(CounterRepository repository, LikeRepository likes, CountersConfig config, Caches caches) {
        this.repository = repository;
        this.likes = likes;
        this.config = config;
        this.counters = caches.writeBehind(CACHE, FIELDS, repository, repository);
    }

    void start(@Observes StartupEvent event) {
        if (config.writeBehind()) {
            counters.start();
        }
    }

    /** A graceful shutdown flushes what it can within a bound; what is left stays in the log for another instance. */
    void stop(@Observes ShutdownEvent event) {
        if (config.writeBehind()) {
            counters.stop(config.shutdownFlush());
            LOG.infof("counters: %d log entries left for another instance", counters.pending());
        }
    }

    /** An increment's answer, and whether it repeats the first answer to a retried request. */
    public record Added(ItemCounter counter, boolean replayed) {
    }

    /**
     * Adds to a counter (a negative {@code by} takes away; never below zero) and answers the new values. With a
     * client's {@code idempotencyKey}, a retry of the same request is applied once and answered as the first time.
     *
     * <p>Client keys are kept under {@value #CLIENT_KEYS}, apart from the keys this service makes for its own
     * increments ({@link #setLike}): no request can take a key the service will need, whatever it sends.
     */
    public Uni<Added> add(String itemId, String field, long by, String idempotencyKey) {
        return increment(itemId, field, by, idempotencyKey == null ? null : CLIENT_KEYS + idempotencyKey);
    }

    private Uni<Added> increment(String itemId, String field, long by, String idempotencyKey) {
        if (!config.writeBehind()) {
            return repository.incrementDirectly(itemId, field.equals("views") ? by : 0, field.equals("likes") ? by : 0)
                    .map(values -> new Added(ItemCounter.of(itemId, values), false));
        }
        Map<String, Long> increment = new HashMap<>();
        increment.put(field, by);
        return counters.increment(itemId, increment, idempotencyKey)
                .map(applied -> new Added(ItemCounter.of(itemId, applied.values()), applied.replayed()))
                // Without Redis a write cannot be made durable before the answer: refuse it rather than lose it.
                .onFailure(failure -> !(failure instanceof IllegalArgumentException)
                        && !(failure instanceof ProblemException)).transform(failure ->
                        ProblemException.unavailable("counters cannot be written right now; try again shortly"));
    }

    /**
     * {@code profileId} likes {@code itemId} (or, with {@code liked} false, no longer does): once per user, however
     * often asked. The choice is recorded in PostgreSQL first (the truth about who likes what), then counted through
     * write-behind under a key naming the user and the change, so a change re-sent after a failure counts once. If
     * the count cannot be written (Redis down), the answer is a 503 and the choice stays recorded but owed: the
     * user's next like or unlike of the item counts it first.
     */
    public Uni<ItemCounter> setLike(String itemId, long profileId, boolean liked) {
        return setLike(itemId, profileId, liked, 3);
    }

    private Uni<ItemCounter> setLike(String itemId, long profileId, boolean liked, int settlements) {
        return likes.change(itemId, profileId, liked).flatMap(change -> {
            if (change.unsettled() != null) {
                if (settlements == 0) {
                    return Uni.createFrom().failure(ProblemException.unavailable(
                            "this like is being changed by another request; try again"));
                }
                return count(itemId, profileId, change.unsettled())
                        .flatMap(ignored -> setLike(itemId, profileId, liked, settlements - 1));
            }
            return change.made() == null ? stats(itemId) : count(itemId, profileId, change.made());
        });
    }

    private Uni<ItemCounter> count(String itemId, long profileId, LikeRepository.Owed owed) {
        String key = (owed.liked() ? "like:" : "unlike:") + profileId + ":" + owed.generation();
        return increment(itemId, "likes", owed.delta(), key)
                .call(added -> likes.counted(itemId, profileId, owed.generation()))
                .map(Added::counter);
    }

    /** Whether {@code profileId} likes {@code itemId}. */
    public Uni<Boolean> likes(String itemId, long profileId) {
        return likes.likes(itemId, profileId);
    }

    /** The current counters: from Redis, or from PostgreSQL if Redis does not have them or is down. */
    public Uni<ItemCounter> stats(String itemId) {
        if (!config.writeBehind()) {
            return repository.load(itemId).map(values -> ItemCounter.of(itemId, values));
        }
        return counters.read(itemId)
                .onFailure().recoverWithUni(() -> repository.load(itemId))
                .map(values -> ItemCounter.of(itemId, values));
    }

    /** The counters of several items, in the order given; each read as {@link #stats(String)} reads one. */
    public Uni<List<ItemCounter>> stats(List<String> itemIds) {
        return Uni.join().all(itemIds.stream().map(this::stats).toList()).andFailFast();
    }

    /** The top items by views or likes, from PostgreSQL: at most a write delay behind. */
    public Uni<List<ItemCounter>> top(String metric, int limit) {
        return repository.top(metric, limit);
    }

    /** The write-behind itself, for operations and tests (dead letters, flushing on demand). */
    public WriteBehind writeBehind() {
        return counters;
    }
}
