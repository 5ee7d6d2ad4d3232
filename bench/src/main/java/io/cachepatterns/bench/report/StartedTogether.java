package io.cachepatterns.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Servers a row needs, started side by side rather than one after another: each starts on every CPU and is pinned
 * once ready (CpuPinning), so two JVMs starting together take little longer than one. If one fails to start, those
 * that did are stopped.
 */
final class StartedTogether {

    private StartedTogether() {
    }

    /** Runs every start at once; the servers, in the order given, once all are ready. */
    static List<AutoCloseable> start(List<Callable<AutoCloseable>> starts) throws Exception {
        ExecutorService starting = Executors.newFixedThreadPool(starts.size());
        try {
            List<Future<AutoCloseable>> futures = starts.stream().map(starting::submit).toList();
            List<AutoCloseable> started = new ArrayList<>();
            Exception failure = null;
            for (Future<AutoCloseable> future : futures) {
                try {
                    started.add(future.get());
                } catch (ExecutionException e) {
                    failure = e.getCause() instanceof Exception cause ? cause : e;
                }
            }
            if (failure != null) {
                for (AutoCloseable server : started) {
                    server.close();
                }
                throw failure;
            }
            return started;
        } finally {
            starting.shutdown();
        }
    }
}
