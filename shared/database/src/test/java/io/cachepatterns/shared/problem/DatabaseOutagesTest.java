package io.cachepatterns.shared.problem;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.pgclient.PgException;
import org.junit.jupiter.api.Test;

/** Which database failures are an outage (a 503 problem), as the reactive client reports them. */
class DatabaseOutagesTest {

    private final DatabaseOutages outages = new DatabaseOutages();

    /**
     * The fault suite's long run (seed 7): PostgreSQL stopped as a read's transaction began, Hibernate Reactive
     * reported this, and two product reads were answered 500.
     */
    @Test
    void aPooledConnectionThatClosedUnderATransactionIsAnOutage() {
        assertThat(outages.isOutage(new NoStackTraceThrowable("Connection is not active now, current status: CLOSED")))
                .isTrue();
    }

    @Test
    void theServerShuttingDownIsAnOutageAndABadQueryIsNot() {
        assertThat(outages.isOutage(new PgException("terminating connection", "FATAL", "57P01", null))).isTrue();
        assertThat(outages.isOutage(new PgException("syntax error", "ERROR", "42601", null))).isFalse();
        assertThat(outages.isOutage(new IllegalStateException("Connection is not active now"))).isFalse();
    }
}
