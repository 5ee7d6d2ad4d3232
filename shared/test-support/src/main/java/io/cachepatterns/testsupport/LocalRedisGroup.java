package io.cachepatterns.testsupport;

import java.util.List;

/**
 * Several Redis servers that act as one (a cluster, a primary with replicas): each fault is done to every server at
 * once, as when the whole deployment is lost; a restart waits until the group serves again.
 */
interface LocalRedisGroup extends LocalRedisProcesses {

    /** The data servers (not a Sentinel's sentinels). */
    List<LocalRedis> servers();

    /** Until the group serves again after a restart: its slots covered, or a primary elected. */
    void awaitHealthy();

    @Override
    default void stop() {
        servers().forEach(LocalRedis::stop);
    }

    /** Back on the same ports, each server with its own files. */
    @Override
    default void restart() {
        servers().forEach(LocalRedis::restart);
        awaitHealthy();
    }

    @Override
    default void kill() {
        servers().forEach(LocalRedis::kill);
    }

    /** Each server's data; a cluster node's {@code nodes.conf}, the cluster's shape, is kept. */
    @Override
    default void wipe() {
        servers().forEach(LocalRedis::wipe);
    }

    @Override
    default void signal(String signal) {
        servers().forEach(server -> server.signal(signal));
    }
}
