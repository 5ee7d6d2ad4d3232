package io.cachepatterns.shared.outbox;

import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Wakes the relay of every instance the moment a writer hands rows over, instead of at its next poll: PostgreSQL's
 * {@code LISTEN}/{@code NOTIFY} on the channel {@value #CHANNEL}, notified by the hand-over's own statement.
 *
 * <p>Why: a writer that cannot reach Redis (perhaps it alone: a stalled connection, its breaker open) hands what it
 * could not deliver over to the relays before it answers. An instance that reaches Redis, and never saw it fail,
 * reads the value from before the change there until its relay delivers the row: with polls alone, up to
 * {@code cache-outbox.poll-interval} after the writer's answer; woken by the notification, milliseconds.
 *
 * <p><b>Trade-off.</b> One connection per instance taken from the pool for good, listening.
 *
 * <p><b>Guarantees.</b> None of its own: a notification is a hint. One missed (the listening connection lost, and
 * replaced at the relay's next poll; PostgreSQL restarting) leaves the row to that poll, as without it.
 */
@ApplicationScoped
public class OutboxSignal {

    /** The channel a hand-over notifies and every relay listens to. */
    public static final String CHANNEL = "cache_outbox";

    private static final Logger LOG = Logger.getLogger(OutboxSignal.class);

    private final Pool pool;
    private final AtomicBoolean connecting = new AtomicBoolean();
    private volatile boolean stopped;
    private volatile SqlConnection listening;

    public OutboxSignal(Pool pool) {
        this.pool = pool;
    }

    /**
     * Listens, unless a connection already does: {@code onSignal} runs for each notification, and once when
     * listening (again) begins, since notifications sent while nobody listened are lost. The relay calls it at start
     * and at every poll, so a lost listener is replaced within a poll.
     */
    public void ensureListening(Runnable onSignal) {
        if (stopped || listening != null || !connecting.compareAndSet(false, true)) {
            return;
        }
        pool.getConnection()
                .flatMap(connection -> {
                    PgConnection pg = PgConnection.cast(connection);
                    pg.notificationHandler(notification -> onSignal.run());
                    pg.closeHandler(() -> forget(connection)); // PostgreSQL restarted, the network cut
                    listening = connection;
                    return connection.query("LISTEN " + CHANNEL).execute()
                            .onFailure().call(failure -> {
                                forget(connection);
                                return connection.close();
                            });
                })
                .onTermination().invoke(() -> connecting.set(false))
                .subscribe().with(listened -> {
                    if (stopped) {
                        stop();
                    } else {
                        onSignal.run();
                    }
                }, failure -> LOG.debugf("outbox: not listening for hand-overs now (%s); the relay polls", failure));
    }

    /** Stops listening and gives the connection back to the pool. */
    public void stop() {
        stopped = true;
        SqlConnection connection = listening;
        listening = null;
        if (connection != null) {
            // Unsubscribed first, or PostgreSQL would go on sending notifications to whoever borrows it next.
            connection.query("UNLISTEN " + CHANNEL).execute().onTermination().call(connection::close)
                    .subscribe().with(ignored -> { }, failure -> { });
        }
    }

    /** Whether a connection is listening now; for tests. */
    public boolean isListening() {
        return listening != null;
    }

    private void forget(SqlConnection connection) {
        if (listening == connection) {
            listening = null;
        }
    }
}
