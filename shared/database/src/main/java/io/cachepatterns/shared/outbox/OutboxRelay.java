package io.cachepatterns.shared.outbox;

import io.cachepatterns.shared.core.InvalidationFence;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.invalidation.Invalidation;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.shared.patterns.Caches;
import io.micrometer.core.instrument.Counter;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Delivers the invalidations that their writers could not: Redis was unreachable, its breaker open, or the writer
 * died between its commit and its delivery.
 *
 * <p>Every instance runs one and polls the outbox table every {@code cache-outbox.poll-interval}, at start-up, and at
 * once when a writer hands rows over ({@link OutboxSignal}). A poll locks the due rows it takes ({@code FOR UPDATE
 * SKIP LOCKED}), so instances share the backlog instead of delivering the same rows together; it delivers each
 * distinct invalidation once, deletes the rows Redis took and commits. Rows whose delivery failed stay locked until
 * the commit and are taken again by the next poll, on whichever instance.
 * A row is due once its writer handed it over (it could not deliver it) or once it is {@code min-age} old (its
 * writer died before it could say): younger ones are still in their writer's hands.
 *
 * <p>A relay takes rows only after a {@code PING} through its Redis client's timeout and breaker answered: one that
 * cannot reach Redis (a hung connection, its breaker open) only counts the backlog. Locked through deliveries that
 * hang, the rows would be hidden from the relays that can deliver them — with every relay polling at the same
 * interval, on every poll: another instance served a product's old value for 4.3 s after its writer's answer.
 *
 * <p>A row naming a cache this instance does not have (one recorded by another version of the service) is left for
 * an instance that has it.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    /** The due rows: handed over by their writer, or {@code $1} ms old ({@code min-age}; 0 while fenced). */
    private static final String DUE = " FROM cache_outbox WHERE handed_over"
            + " OR recorded_at <= now() - $1::float8 * INTERVAL '1 millisecond'";
    private static final String SELECT_DUE = "SELECT id, target, item, version,"
            + " EXTRACT(EPOCH FROM now() - recorded_at) AS age"
            + DUE + " ORDER BY recorded_at LIMIT $2 FOR UPDATE SKIP LOCKED";
    private static final String COUNT_DUE = "SELECT count(*) AS due, EXTRACT(EPOCH FROM now() - min(recorded_at))"
            + " AS age" + DUE;

    private final Pool pool;
    private final Caches caches;
    private final RedisStore store;
    private final OutboxConfig config;
    private final Vertx vertx;
    private final InvalidationFence fence;
    private final OutboxSignal signal;
    private final Counter delivered;
    private final Counter failures;
    private final AtomicLong backlog = new AtomicLong();
    private final AtomicLong oldestMillis = new AtomicLong();
    private final AtomicBoolean polling = new AtomicBoolean();
    private final AtomicBoolean pollAgain = new AtomicBoolean();
    private volatile long timer = -1;

    public OutboxRelay(Pool pool, Caches caches, RedisStore store, OutboxConfig config, Vertx vertx,
                       CacheMetrics metrics, InvalidationFence fence, OutboxSignal signal) {
        this.pool = pool;
        this.caches = caches;
        this.store = store;
        this.config = config;
        this.vertx = vertx;
        this.fence = fence;
        this.signal = signal;
        this.delivered = metrics.registry().counter(CacheMetrics.OUTBOX_DELIVERED, "path", "relay");
        this.failures = metrics.registry().counter(CacheMetrics.OUTBOX_DELIVERY_FAILURES);
        metrics.registry().gauge(CacheMetrics.OUTBOX_BACKLOG, backlog);
        metrics.registry().gauge(CacheMetrics.OUTBOX_OLDEST, oldestMillis, millis -> millis.get() / 1000.0);
    }

    void start(@Observes StartupEvent started) {
        if (!config.enabled()) {
            return;
        }
        fence.guard();
        vertx.runOnContext(ignored -> pollNow()); // rows left by instances that died are due already
        timer = vertx.setPeriodic(config.pollInterval().toMillis(), ignored -> pollNow());
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        signal.stop();
    }

    /** Undelivered rows seen by the last poll (at most one batch). */
    public long backlog() {
        return backlog.get();
    }

    /** One poll, unless one is under way; a full batch is followed by another at once. */
    public void pollNow() {
        signal.ensureListening(this::pollNow); // a listener lost since the last poll is replaced
        if (!polling.compareAndSet(false, true)) {
            // The poll under way may have read the table before rows were handed over (a signal): one more after it.
            pollAgain.set(true);
            return;
        }
        pollAgain.set(false);
        relayOnce().onTermination().invoke(() -> polling.set(false))
                .subscribe().with(count -> {
                    if (count >= config.batchSize() || pollAgain.get()) {
                        vertx.runOnContext(ignored -> pollNow());
                    }
                }, failure -> LOG.debugf("outbox poll failed (the database is unreachable?): %s", failure));
    }

    /**
     * Delivers one batch of due rows, if Redis answers a {@code PING} from here; answers how many it took. A due
     * row is overdue (its writer could not deliver it), so it raises the {@link InvalidationFence}; while the fence
     * is raised every row is due, however young, and a poll that delivered all it found, the last batch, lowers the
     * fence.
     */
    public Uni<Integer> relayOnce() {
        boolean fenced = fence.isRaised();
        long generation = fence.generation();
        double minAgeMillis = fenced ? 0 : (double) config.minAge().toMillis();
        return store.ping().onItemOrFailure().transformToUni((reachable, unreachable) -> unreachable == null
                ? takeAndDeliver(fenced, generation, minAgeMillis)
                : countOnly(fenced, minAgeMillis));
    }

    private Uni<Integer> takeAndDeliver(boolean fenced, long generation, double minAgeMillis) {
        return pool.withTransaction(connection -> connection.preparedQuery(SELECT_DUE)
                        .execute(Tuple.of(minAgeMillis, config.batchSize()))
                        .flatMap(rows -> {
                            List<Row> due = new ArrayList<>();
                            rows.forEach(due::add);
                            observed(due.size(), due.isEmpty() ? 0 : due.get(0).getDouble("age"), fenced);
                            return deliver(connection, due).map(done -> done == due.size()
                                    && due.size() < config.batchSize());
                        }))
                .invoke(allDelivered -> {
                    if (fenced && allDelivered) {
                        fence.lowerIfUnchanged(generation); // committed: Redis has every invalidation we found
                    }
                })
                .map(allDelivered -> (int) backlog.get());
    }

    /** Redis is unreachable from here: the gauges and the fence, and no row locked. */
    private Uni<Integer> countOnly(boolean fenced, double minAgeMillis) {
        return pool.preparedQuery(COUNT_DUE).execute(Tuple.of(minAgeMillis)).map(rows -> {
            Row row = rows.iterator().next();
            Double age = row.getDouble("age");
            observed(row.getLong("due"), age == null ? 0 : age, fenced);
            return 0; // nothing taken: no batch follows at once
        });
    }

    /** A due row is overdue (its writer could not deliver it): reads here must not trust Redis until it is. */
    private void observed(long due, double oldestSeconds, boolean fenced) {
        backlog.set(due);
        oldestMillis.set((long) (oldestSeconds * 1000));
        if (due > 0 && !fenced) {
            fence.raise();
        }
    }

    private Uni<Integer> deliver(SqlConnection connection, List<Row> due) {
        if (due.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        // One delivery per distinct invalidation: a product edited ten times while Redis was down is deleted once;
        // a versioned entry is superseded once, with the newest version committed.
        Map<String, List<String>> idsByInvalidation = new LinkedHashMap<>();
        Map<String, Invalidation> merged = new LinkedHashMap<>();
        for (Row row : due) {
            Invalidation invalidation = new Invalidation(row.getString("target"), row.getString("item"),
                    row.getLong("version"));
            String key = invalidation.target() + '\u0000' + invalidation.id();
            idsByInvalidation.computeIfAbsent(key, k -> new ArrayList<>()).add(row.getString("id"));
            merged.merge(key, invalidation, OutboxRelay::newer);
        }
        List<Uni<List<String>>> deliveries = new ArrayList<>();
        merged.forEach((key, invalidation) -> deliveries.add(caches.target(invalidation.target())
                .map(target -> target.deliver(invalidation)
                        .replaceWith(idsByInvalidation.get(key))
                        .onFailure().recoverWithItem(failure -> {
                            failures.increment();
                            LOG.debugf("outbox: %s of %s still not delivered: %s", invalidation.id(),
                                    invalidation.target(), failure);
                            return List.<String>of();
                        }))
                .orElseGet(() -> Uni.createFrom().item(List.of()))));
        return Uni.join().all(deliveries).andFailFast().flatMap(results -> {
            List<String> done = results.stream().flatMap(List::stream).toList();
            if (done.isEmpty()) {
                return Uni.createFrom().item(0);
            }
            delivered.increment(done.size());
            LOG.infof("outbox: delivered %d invalidation(s) their writers could not", done.size());
            return connection.preparedQuery(Outbox.DELETE).execute(Tuple.of(done.toArray(String[]::new)))
                    .replaceWith(done.size());
        });
    }

    /** Two rows for one entry: the newer version; none if either has none (then the entry is deleted). */
    private static Invalidation newer(Invalidation one, Invalidation other) {
        if (one.version() == null || other.version() == null) {
            return new Invalidation(one.target(), one.id());
        }
        return one.version() >= other.version() ? one : other;
    }
}
