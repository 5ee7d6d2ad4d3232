package io.cachepatterns.shared.problem;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.util.Set;

/**
 * PostgreSQL unavailable, as the reactive client reports it: a connection lost mid-query, or the server shutting
 * down, starting up, or out of connections (SQL states of class 08, {@code 57P01}–{@code 57P03}, {@code 53300}); a
 * connection refused is a {@code ConnectException}, which {@link ServiceOutages} recognises for any dependency. A request that meets one is answered 503 and may be retried: whether a write that lost its
 * connection mid-commit took effect is unknown to the service too, which is why writes are idempotent or versioned.
 */
@ApplicationScoped
public class DatabaseOutages implements OutageClassifier {

    private static final Set<String> UNAVAILABLE_STATES = Set.of("57P01", "57P02", "57P03", "53300");
    /**
     * How the client reports a command on a pooled connection that closed under it (PostgreSQL stopped as a
     * transaction began): a message on a Vert.x throwable, no type of its own. Found by the fault suite's long run:
     * two product reads answered 500 as PostgreSQL stopped.
     */
    private static final String CONNECTION_NOT_ACTIVE = "Connection is not active now";

    @Override
    public boolean isOutage(Throwable failure) {
        if (failure instanceof ClosedConnectionException) {
            return true;
        }
        if (failure.getClass().getName().startsWith("io.vertx.") && failure.getMessage() != null
                && failure.getMessage().startsWith(CONNECTION_NOT_ACTIVE)) {
            return true;
        }
        String state = failure instanceof PgException pg ? pg.getSqlState()
                : failure instanceof SQLException sql ? sql.getSQLState() : null;
        return state != null && (state.startsWith("08") || UNAVAILABLE_STATES.contains(state));
    }

    @Override
    public String dependency() {
        return "the database";
    }
}
