package io.cachepatterns.shared.problem;

/**
 * Recognises a failure that says a dependency is unavailable (a connection refused or lost, a server shutting down),
 * which is a 503 problem the client may retry, not the 500 of a bug. A module that brings a dependency brings its
 * classifier as a bean (the database's: {@code DatabaseOutages} in shared/database); {@link ProblemMappers} asks
 * every one about each cause of an unexpected failure.
 */
public interface OutageClassifier {

    /** Whether {@code failure} itself (not its causes, which are asked separately) means the dependency is out. */
    boolean isOutage(Throwable failure);

    /** What the 503 problem tells the client. */
    String dependency();
}
