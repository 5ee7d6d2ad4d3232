package io.cachepatterns.shared.outbox;

import io.cachepatterns.shared.core.Detached;
import io.cachepatterns.shared.invalidation.Invalidation;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.problem.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hibernate.StaleStateException;
import org.hibernate.reactive.common.AffectedEntities;
import org.jboss.logging.Logger;

/**
 * The transactional outbox for cache invalidations: no committed change's invalidation is ever lost.
 *
 * <p>A writer that commits and then deletes the cached copy loses that delete whenever Redis cannot take it at that
 * moment (down, hung, its breaker open) and the writer cannot keep trying (it is restarted, it crashes): the old
 * value is then served until its TTL ends, perhaps for hours. Meta's memcache avoids that by deriving invalidations
 * from the database's commit log; an outbox gets the same property with one table. Each invalidation is a row
 * written <em>in the change's own transaction</em>, so it exists exactly when the change does, and it is deleted
 * only once Redis has it.
 *
 * <p><b>Trade-off.</b> A write pays one more INSERT inside its transaction and a DELETE after it (not waited for).
 *
 * <p><b>Guarantees.</b>
 * <ul>
 *   <li>A change that commits has its invalidations recorded; one that rolls back has none.</li>
 *   <li>Delivered at least once, whatever fails: right after the commit by the writer itself, and its answer waits
 *       for that, so the writer's next read is fresh; if that fails (or the writer dies first), by the
 *       {@link OutboxRelay} of any instance, until Redis has it. Meanwhile no stale read: an instance that saw Redis
 *       fail reads from the database until its relay has delivered everything (the
 *       {@link io.cachepatterns.shared.core.InvalidationFence}); one that did not, from the moment its relay has
 *       delivered the row: the writer hands what it could not deliver over to every relay before it answers, and the
 *       hand-over wakes them ({@link OutboxSignal}; without the signal, at their next poll, {@code poll-interval}),
 *       or, if the writer died first, once the row is {@code min-age} old.</li>
 *   <li>A client that disconnects mid-write stops nothing: the transaction and the delivery run to their end.</li>
 *   <li>Deliveries are idempotent (a delete, an announcement, or for a versioned entry a supersede that refuses
 *       every version older than the one committed), so one delivered twice costs an extra cache miss.</li>
 *   <li>A transaction that loses a version check to a concurrent one (its row changed after it read it) rolls back and
 *       runs again, up to 4 more times; then the write is answered 409, never 500.</li>
 * </ul>
 */
@ApplicationScoped
public class Outbox {

    private static final Logger LOG = Logger.getLogger(Outbox.class);
    static final String DELETE = "DELETE FROM cache_outbox WHERE id = ANY($1)";
    /** Marks the rows due for every relay and wakes the relays ({@link OutboxSignal}) as it commits. */
    private static final String HAND_OVER = "WITH handed AS (UPDATE cache_outbox SET handed_over = true"
            + " WHERE id = ANY($1) RETURNING id) SELECT pg_notify('" + OutboxSignal.CHANNEL + "', '')"
            + " FROM (SELECT 1 FROM handed LIMIT 1) AS any_handed";
    private static final int CONFLICT_RETRIES = 4;
    private static final Duration CONFLICT_BACKOFF = Duration.ofMillis(5);

    private final Caches caches;
    private final Pool pool;
    private final Counter deliveredOnCommit;
    private final Counter deferred;

    public Outbox(Caches caches, Pool pool, CacheMetrics metrics) {
        this.caches = caches;
        this.pool = pool;
        this.deliveredOnCommit = metrics.registry().counter(CacheMetrics.OUTBOX_DELIVERED, "path", "commit");
        this.deferred = metrics.registry().counter(CacheMetrics.OUTBOX_DEFERRED);
    }

    /** A recorded row: its id in the outbox table, and what it asks for. */
    record Row(String id, Invalidation invalidation) {
    }

    /**
     * Runs {@code work} in a database transaction that also records the invalidations {@code invalidationsOf} names
     * for its result, then delivers them to Redis and answers with the result. {@code work} runs inside the
     * transaction (a Panache session is open); a failure rolls back both.
     */
    public <T> Uni<T> transaction(Supplier<Uni<T>> work, Function<T, List<Invalidation>> invalidationsOf) {
        return Detached.run(() -> Uni.createFrom().deferred(() -> {
                    List<Row> recorded = new ArrayList<>(); // this attempt's
                    return Panache.withTransaction(() -> work.get()
                                    .call(value -> record(recorded, invalidationsOf.apply(value))))
                            .call(() -> deliver(recorded));
                })
                // Another transaction changed the row between this one's read and its write (the entity's version
                // check): this one rolled back, so it runs again from its read. Writes here say "make it this" or
                // check their own precondition (If-Match) when they run, so running again is what the client asked.
                .onFailure(Outbox::isConcurrentUpdate).retry()
                .withBackOff(CONFLICT_BACKOFF, CONFLICT_BACKOFF.multipliedBy(10)).atMost(CONFLICT_RETRIES)
                .onFailure(Outbox::isConcurrentUpdate).transform(conflict -> ProblemException.conflict("version",
                        "changed by other requests at the same moment, " + CONFLICT_RETRIES + " times over; try again")));
    }

    /** Hibernate's version check failed: the row changed since this transaction read it. */
    static boolean isConcurrentUpdate(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof jakarta.persistence.OptimisticLockException || t instanceof StaleStateException) {
                return true;
            }
        }
        return false;
    }

    private Uni<Void> record(List<Row> recorded, List<Invalidation> invalidations) {
        if (invalidations.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        StringBuilder sql = new StringBuilder("INSERT INTO cache_outbox (id, target, item, version) VALUES ");
        List<Object> parameters = new ArrayList<>();
        for (Invalidation invalidation : invalidations) {
            Row row = new Row(UUID.randomUUID().toString(), invalidation);
            recorded.add(row);
            int n = parameters.size();
            sql.append(n == 0 ? "" : ", ").append("(?").append(n + 1).append(", ?").append(n + 2).append(", ?")
                    .append(n + 3).append(", CAST(?").append(n + 4).append(" AS bigint))");
            parameters.add(row.id());
            parameters.add(invalidation.target());
            parameters.add(invalidation.id());
            parameters.add(invalidation.version());
        }
        return Panache.getSession().flatMap(session -> {
            var insert = session.createNativeQuery(sql.toString(), new AffectedEntities());
            for (int i = 0; i < parameters.size(); i++) {
                insert.setParameter(i + 1, parameters.get(i));
            }
            return insert.executeUpdate();
        }).replaceWithVoid();
    }

    /**
     * The fast path, after the commit. Never fails: what it cannot deliver, it hands over to the relays of every
     * instance before the write is answered, waking them, so that another instance delivers it at once instead of
     * once the row is {@code min-age} old.
     */
    private Uni<Void> deliver(List<Row> rows) {
        if (rows.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Uni<Boolean>> attempts = rows.stream().map(row -> deliverOne(row)
                .replaceWith(true)
                .onFailure().recoverWithItem(failure -> {
                    deferred.increment();
                    LOG.warnf("invalidation %s of %s not delivered now (%s); the outbox relay will deliver it",
                            row.invalidation().id(), row.invalidation().target(), failure.toString());
                    return false;
                })).toList();
        return Uni.join().all(attempts).andFailFast().flatMap(outcomes -> {
            List<String> delivered = new ArrayList<>();
            List<String> undelivered = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                (outcomes.get(i) ? delivered : undelivered).add(rows.get(i).id());
            }
            deliveredOnCommit.increment(delivered.size());
            if (!delivered.isEmpty()) {
                // Not waited for: if this fails, the relay delivers the rows once more, which is harmless.
                pool.preparedQuery(DELETE).execute(Tuple.of(delivered.toArray(String[]::new)))
                        .subscribe().with(ignored -> { }, failure -> LOG.debugf("outbox rows not deleted: %s",
                                failure));
            }
            return handOver(undelivered);
        });
    }

    /** Waited for; if the database cannot take it either, the rows are due anyway once {@code min-age} old. */
    private Uni<Void> handOver(List<String> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery(HAND_OVER).execute(Tuple.of(ids.toArray(String[]::new))).replaceWithVoid()
                .onFailure().recoverWithUni(failure -> {
                    LOG.debugf("outbox rows not handed over (due at min-age instead): %s", failure);
                    return Uni.createFrom().voidItem();
                });
    }

    private Uni<Void> deliverOne(Row row) {
        return caches.target(row.invalidation().target())
                .map(target -> target.deliver(row.invalidation()))
                .orElseGet(() -> Uni.createFrom().failure(new IllegalStateException(
                        "no cache or channel named " + row.invalidation().target() + " here")));
    }
}
