package io.cachepatterns.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on loopback that a test puts between a client and a server (Redis, PostgreSQL) to make the network
 * fail in the ways TCP allows:
 * <ul>
 *   <li>{@link #stall()}: a black hole. Connections stay open, new ones are accepted, but no byte moves in either
 *       direction, as after a network partition or a frozen peer; nothing tells the client.</li>
 *   <li>{@link #cut()}: every connection is closed at once and the bytes held by a stall are dropped: they never
 *       reach the server.</li>
 *   <li>{@link #refuse()}: as a stopped server, every connection cut and new ones closed at once.</li>
 *   <li>{@link #resume()}: bytes flow again (those held by a stall first, unless a cut dropped them).</li>
 * </ul>
 * A half-open connection, the hardest case for a client, is {@link #blackHoleExisting()}: the connections open now
 * go silent for good while new ones work, as when a network cut took the old route and the client never heard of it.
 * A server farther away than loopback is {@link #delay}: every chunk of bytes waits that long before it is passed on.
 */
public final class FaultProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Set<Socket> blackHoled = ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    private volatile boolean stalled;
    private volatile boolean refusing;
    private volatile boolean closed;
    private volatile long delayNanos;

    private FaultProxy(ServerSocket listener, InetSocketAddress target) {
        this.listener = listener;
        this.target = target;
    }

    /** A proxy on a free loopback port, forwarding to {@code host:port}. */
    public static FaultProxy start(String host, int port) {
        try {
            ServerSocket listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
            FaultProxy proxy = new FaultProxy(listener, new InetSocketAddress(host, port));
            Thread acceptor = new Thread(proxy::acceptLoop, "fault-proxy-accept-" + listener.getLocalPort());
            acceptor.setDaemon(true);
            acceptor.start();
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    public void stall() {
        stalled = true;
    }

    /**
     * As a stopped server: every connection is cut, and new ones are closed as soon as they are accepted, until
     * {@link #resume()}.
     */
    public void refuse() {
        refusing = true;
        cut();
    }

    /**
     * Every chunk read from either side waits {@code oneWay} before it is forwarded: a round trip takes two of them
     * more, as to a server in another zone. Chunks of one connection wait one after the other.
     */
    public void delay(java.time.Duration oneWay) {
        delayNanos = oneWay.toNanos();
    }

    /** The connections open now stop forwarding until cut; new connections flow. */
    public void blackHoleExisting() {
        blackHoled.addAll(sockets);
    }

    public void resume() {
        synchronized (gate) {
            stalled = false;
            refusing = false;
            gate.notifyAll();
        }
    }

    /** Closes every connection now; the proxy keeps accepting new ones (which a stall still holds). */
    public void cut() {
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
        sockets.clear();
        blackHoled.clear();
    }

    /** Connections open through the proxy now (each counted once, client side). */
    public int connections() {
        return sockets.size() / 2;
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        cut();
        resume();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                if (refusing) {
                    closeQuietly(client);
                    continue;
                }
                Socket server = new Socket();
                try {
                    server.connect(target, 2_000);
                } catch (IOException e) {
                    closeQuietly(client);
                    continue;
                }
                sockets.add(client);
                sockets.add(server);
                pump(client, server);
                pump(server, client);
            } catch (IOException e) {
                if (!closed) {
                    continue;
                }
                return;
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    long delay = delayNanos;
                    if (delay > 0) {
                        Thread.sleep(delay / 1_000_000, (int) (delay % 1_000_000));
                    }
                    awaitFlowing(from);
                    if (from.isClosed() || to.isClosed()) {
                        return; // cut while held: the bytes are dropped
                    }
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // cut, closed, or the peer went away
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
                blackHoled.remove(from);
                blackHoled.remove(to);
            }
        }, "fault-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private void awaitFlowing(Socket from) throws InterruptedException {
        synchronized (gate) {
            while ((stalled || blackHoled.contains(from)) && !closed && !from.isClosed()) {
                gate.wait(100);
            }
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }
}
