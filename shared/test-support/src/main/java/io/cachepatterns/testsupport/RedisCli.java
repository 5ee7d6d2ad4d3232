package io.cachepatterns.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A plain RESP connection to Redis for tests that look at Redis from outside the service under test: commands as
 * an operator would type them in {@code redis-cli}, and {@code MONITOR}, whose lines name who ran each command
 * ({@code lua} for a command a script ran). Replies: a String, a Long, a List, or null; an error reply throws.
 */
public final class RedisCli implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String userInfo;
    /** On a Redis Cluster: connections to the other nodes, opened when a reply says a key lives there. */
    private final java.util.Map<String, RedisCli> nodes = new java.util.HashMap<>();

    private RedisCli(Socket socket, String userInfo) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.userInfo = userInfo;
    }

    /** Connects to {@code redis://[[user]:password@]host:port}, authenticating if the URL carries a password. */
    public static RedisCli connect(String redisUrl) {
        try {
            URI uri = URI.create(redisUrl.split(",")[0].trim()); // the first of a cluster's or sentinels' hosts
            String userInfo = uri.getUserInfo();
            RedisCli cli = new RedisCli(new Socket(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort()), userInfo);
            if (userInfo != null && !userInfo.isEmpty()) {
                int colon = userInfo.indexOf(':');
                if (colon < 0) {
                    cli.call("AUTH", userInfo);
                } else if (colon == 0) {
                    cli.call("AUTH", userInfo.substring(1));
                } else {
                    cli.call("AUTH", userInfo.substring(0, colon), userInfo.substring(colon + 1));
                }
            }
            return cli;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends one command and reads its reply. On a Redis Cluster a {@code MOVED} reply sends it again to the node that
     * holds the key, as {@code redis-cli -c} does.
     */
    public synchronized Object call(Object... args) {
        try {
            return send(args);
        } catch (IllegalStateException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("MOVED ")) {
                throw e;
            }
            String node = e.getMessage().split(" ")[2];
            return node(node).call(args);
        }
    }

    private RedisCli node(String address) {
        return nodes.computeIfAbsent(address, node -> connect("redis://"
                + (userInfo == null || userInfo.isEmpty() ? "" : userInfo + "@") + node));
    }

    /** The primaries of a Redis Cluster as host:port; empty on a single server. */
    private List<String> clusterPrimaries() {
        Object reply;
        try {
            reply = send("CLUSTER", "NODES");
        } catch (IllegalStateException notACluster) {
            return List.of();
        }
        List<String> primaries = new ArrayList<>();
        for (String line : String.valueOf(reply).split("\n")) {
            String[] fields = line.split(" ");
            if (fields.length > 2 && fields[2].contains("master") && !fields[2].contains("fail")) {
                primaries.add(fields[1].split("@")[0]);
            }
        }
        return primaries;
    }

    private Object send(Object... args) {
        try {
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (Object arg : args) {
                byte[] bytes = String.valueOf(arg).getBytes(StandardCharsets.UTF_8);
                request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                request.writeBytes(bytes);
                request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write(request.toByteArray());
            out.flush();
            return reply();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A reply that is a number. */
    public long number(Object... args) {
        return (Long) call(args);
    }

    /** The connection to the server that holds {@code key}: this one, or on a cluster the node a MOVED names. */
    public synchronized RedisCli nodeOf(String key) {
        try {
            send("TYPE", key);
            return this;
        } catch (IllegalStateException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("MOVED ")) {
                throw e;
            }
            return node(e.getMessage().split(" ")[2]);
        }
    }

    /** Runs {@code action} with a connection to every primary of a Redis Cluster, or with this one. */
    public void forEachPrimary(java.util.function.Consumer<RedisCli> action) {
        List<String> primaries = clusterPrimaries();
        if (primaries.isEmpty()) {
            action.accept(this);
        } else {
            primaries.forEach(primary -> action.accept(node(primary)));
        }
    }

    /** A numeric field of {@code INFO} on this server. */
    public long info(String field) {
        String info = String.valueOf(call("INFO", "all"));
        return info.lines().filter(line -> line.startsWith(field + ":")).findFirst()
                .map(line -> Long.parseLong(line.substring(field.length() + 1).strip()))
                .orElseThrow(() -> new IllegalStateException("INFO has no " + field));
    }

    /** A numeric field of {@code INFO}, summed over every primary of a cluster. */
    public long infoOfAllPrimaries(String field) {
        long[] sum = {0};
        forEachPrimary(node -> sum[0] += node.info(field));
        return sum[0];
    }

    /** Every key matching {@code pattern}, by SCAN (on every primary of a cluster). */
    public List<String> keys(String pattern) {
        List<String> primaries = clusterPrimaries();
        if (primaries.isEmpty()) {
            return keysHere(pattern);
        }
        List<String> keys = new ArrayList<>();
        for (String primary : primaries) {
            keys.addAll(node(primary).keysHere(pattern));
        }
        return keys;
    }

    private List<String> keysHere(String pattern) {
        List<String> keys = new ArrayList<>();
        String cursor = "0";
        do {
            List<?> page = (List<?>) call("SCAN", cursor, "MATCH", pattern, "COUNT", 1000);
            cursor = (String) page.get(0);
            for (Object key : (List<?>) page.get(1)) {
                keys.add((String) key);
            }
        } while (!"0".equals(cursor));
        return keys;
    }

    /**
     * Turns this connection into a {@code MONITOR} feed, read on a daemon thread until {@link #close()}. Its lines
     * trail the replies of the commands they show: see {@link Monitor#linesWith}. On a Redis Cluster the feed is
     * every primary's, merged, each on a connection of its own.
     */
    public Monitor monitor() {
        List<String> primaries = clusterPrimaries();
        if (primaries.isEmpty()) {
            return monitorHere(new Monitor());
        }
        Monitor merged = new Monitor();
        for (String primary : primaries) {
            RedisCli feed = connect("redis://" + (userInfo == null || userInfo.isEmpty() ? "" : userInfo + "@")
                    + primary);
            nodes.put("monitor " + primary, feed); // closed with this one
            feed.monitorHere(merged);
        }
        return merged;
    }

    private Monitor monitorHere(Monitor monitor) {
        Object ok = call("MONITOR");
        if (!"OK".equals(ok)) {
            throw new IllegalStateException("MONITOR refused: " + ok);
        }
        Thread reader = new Thread(() -> {
            try {
                for (Object line = reply(); line != null; line = reply()) {
                    monitor.lines.add(line.toString());
                }
            } catch (IOException | RuntimeException closed) {
                // close() ends the feed
            }
        }, "redis-monitor");
        reader.setDaemon(true);
        reader.start();
        return monitor;
    }

    /** The lines of a {@code MONITOR} feed. */
    public static final class Monitor {
        private final List<String> lines = new CopyOnWriteArrayList<>();

        /** The lines that mention {@code text}, once one mentioning {@code last} has arrived or {@code wait} passed. */
        public List<String> linesWith(String text, String last, Duration wait) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            while (lines.stream().noneMatch(line -> line.contains(last)) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            return lines.stream().filter(line -> line.contains(text)).toList();
        }
    }

    private Object reply() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new IOException("connection closed");
        }
        String line = line();
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IllegalStateException(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length + 2);
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    items.add(reply());
                }
                return items;
            }
            default:
                throw new IOException("unexpected reply type " + (char) type);
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\r'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            line.write(b);
        }
        in.read(); // '\n'
        return line.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        nodes.values().forEach(RedisCli::close);
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
