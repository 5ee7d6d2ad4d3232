package io.cachepatterns.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The report's concurrent load: a number of clients, each on a thread of its own with a {@link Random} of its own
 * (seeded with its number, so that a run repeats), running until their loop ends. {@link #run} waits for them;
 * {@link #start} lets the caller do something meanwhile (a fault, a write) and then {@link #await} them.
 */
final class Clients implements AutoCloseable {

    /** One client's loop; {@code number} counts from 0. */
    interface Client {
        void run(int number, Random random) throws Exception;
    }

    private final ExecutorService threads;
    private final List<Future<?>> running = new ArrayList<>();

    private Clients(int count, Client client) {
        threads = Executors.newFixedThreadPool(count);
        for (int number = 0; number < count; number++) {
            int own = number;
            Random random = new Random(number);
            running.add(threads.submit(() -> {
                client.run(own, random);
                return null;
            }));
        }
    }

    static Clients start(int count, Client client) {
        return new Clients(count, client);
    }

    /** Runs {@code count} clients and waits until every one has ended; the first failure is thrown. */
    static void run(int count, Client client) throws Exception {
        try (Clients clients = start(count, client)) {
            clients.await();
        }
    }

    /** Waits until every client has ended; the first failure is thrown. */
    void await() throws Exception {
        for (Future<?> client : running) {
            try {
                client.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }
    }

    /** Stops whatever still runs (interrupting it). */
    @Override
    public void close() {
        threads.shutdownNow();
    }
}
