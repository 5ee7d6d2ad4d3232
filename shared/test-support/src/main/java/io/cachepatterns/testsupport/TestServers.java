package io.cachepatterns.testsupport;

import org.jboss.logging.Logger;

/**
 * The one set of servers of a test JVM: started on first use, stopped when the JVM exits.
 *
 * <p>One set per JVM rather than per test class, because Quarkus restarts the application for test classes with
 * different profiles or resources, and starting PostgreSQL each time would double the suite's run time.
 */
public final class TestServers {

    private static final Logger LOG = Logger.getLogger(TestServers.class);
    private static Servers servers;

    private TestServers() {
    }

    public static synchronized Servers get() {
        if (servers == null) {
            long start = System.nanoTime();
            Servers started = Servers.start();
            LOG.infof("test servers ready in %d ms: %s", (System.nanoTime() - start) / 1_000_000,
                    started.description());
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "test-servers-stop"));
            servers = started;
        }
        return servers;
    }
}
