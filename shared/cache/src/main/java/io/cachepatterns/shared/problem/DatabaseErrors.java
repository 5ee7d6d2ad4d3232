package io.cachepatterns.shared.problem;

import java.sql.SQLException;

/** Recognises database errors that are the client's doing, so that they become a 4xx and not a 500. */
public final class DatabaseErrors {

    private static final String UNIQUE_VIOLATION = "23505";

    private DatabaseErrors() {
    }

    /**
     * Whether a unique constraint refused the write (SQL state 23505). Hibernate Reactive reports it as a
     * {@code JDBCException} whose cause is an {@link SQLException} carrying the state.
     */
    public static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
