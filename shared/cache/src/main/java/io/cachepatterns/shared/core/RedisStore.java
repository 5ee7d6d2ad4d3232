package io.cachepatterns.shared.core;

import io.cachepatterns.shared.config.RedisStoreConfig;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.micrometer.core.instrument.Counter;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The only class that talks to Redis. Every call has a timeout and goes through one circuit breaker, named
 * {@code redis}: when Redis hangs or is gone, calls fail fast and the caches fall back to their loaders instead of
 * queueing behind a dead connection.
 *
 * <p>The breaker is SmallRye Fault Tolerance's; the timeout is Mutiny's, inside the breaker, so that a timeout counts
 * as a failure. Measured on 2 cores, the guard's own timeout (a timer thread and a context hand-off per call) cost
 * cache hits about a quarter of their throughput; Mutiny's costs next to nothing. For the same reason the guard runs
 * the call on the caller's event loop ({@code withThreadOffload(false)}): sending a Redis command never blocks.
 *
 * <p>Commands sent from an event loop share one connection per event loop, which Redis pipelines, rather than
 * checking a connection out of the client's pool for each command: no pool bookkeeping per command, and the reply
 * arrives on the loop that asked instead of on whichever loop the pooled connection belongs to. Measured on 2 cores,
 * the pool's checkout and the hand-offs between loops took about a tenth of a cache hit's CPU. Commands from other
 * threads (a flusher's timer, a test) use the pool, and a subscription has a connection of its own. At most
 * {@code cache-store.loop-connections} loops get one (half the pool by default), so that the pool always has
 * connections left for everyone else, however many event loops the machine has.
 *
 * <p>Bad connections are replaced: an idle loop connection or subscription sends a keep-alive every
 * {@code cache-store.keep-alive} that reaches every primary of a cluster, so that the client's read-idle timeout
 * closes only one that stopped answering (a half-open socket, a frozen server), within seconds; a {@code READONLY},
 * {@code LOADING} or {@code MASTERDOWN} reply retires the connection that got it ({@code QUIT}), so that the next one
 * is opened to the server that can serve.
 *
 * <p>Reads of cached values ({@code GET}, {@code HGET}, {@code MGET}) fail at once while the {@link InvalidationFence}
 * is raised, which every Redis outage seen here raises: the patterns then read from their loaders, as when Redis is
 * down, until the outbox relay has delivered what Redis missed.
 *
 * <p>Failures reach the caller as failed {@link Uni}s; deciding what a failure means (serve from the database, count
 * it, retry an invalidation) is the patterns' business, not the store's.
 */
@ApplicationScoped
public class RedisStore {

    public static final String BREAKER_NAME = "redis";

    static {
        // On a cluster the client sends a command without keys to any node, replicas included, although nothing here
        // reads from replicas; the sockets to replicas are then idle and closed by the read-idle timeout, and a
        // PUBLISH sent on one fails ("connection closed": an invalidation not delivered). These go to primaries,
        // whose sockets the keep-alive keeps open. The registry is the cluster client's; it has no other way in.
        for (io.vertx.redis.client.Command keyless : List.of(io.vertx.redis.client.Command.PING,
                io.vertx.redis.client.Command.PUBLISH, io.vertx.redis.client.Command.CONFIG)) {
            io.vertx.redis.client.impl.RedisClusterClient.addMasterOnlyCommand(keyless);
        }
    }

    private final Redis redis;
    private final Duration timeout;
    private final TypedGuard<Uni<Response>> guard;
    private final Counter errors;
    private final Counter loopConnects;
    private final AtomicInteger breakerState;
    private final InvalidationFence fence;
    private final ThreadLocal<EventLoopConnection> eventLoopConnection =
            ThreadLocal.withInitial(EventLoopConnection::new);

    private final Duration keepAlive;
    private final Duration repairWait;
    private final int loopConnectionLimit;
    private final AtomicInteger loopConnections = new AtomicInteger();

    public RedisStore(Redis redis, RedisStoreConfig config, CacheMetrics metrics, InvalidationFence fence,
                      @ConfigProperty(name = "quarkus.redis.max-pool-size", defaultValue = "6") int maxPoolSize) {
        this.redis = redis;
        this.fence = fence;
        this.timeout = config.timeout();
        this.keepAlive = config.keepAlive();
        this.repairWait = config.repairWait();
        this.loopConnectionLimit = config.loopConnections() >= 0 ? config.loopConnections() : maxPoolSize / 2;
        this.errors = metrics.registry().counter(CacheMetrics.REDIS_ERRORS);
        this.loopConnects = metrics.registry().counter(CacheMetrics.REDIS_LOOP_CONNECTS);
        AtomicInteger breakerState = metrics.registry().gauge(CacheMetrics.BREAKER_STATE, new AtomicInteger());
        this.breakerState = breakerState;
        RedisStoreConfig.Breaker breaker = config.breaker();
        this.guard = TypedGuard.create(new TypeLiteral<Uni<Response>>() {
                })
                .withCircuitBreaker()
                .name(BREAKER_NAME)
                .when(RedisErrors::isOutage) // NOGROUP or a script error is an answer, not an outage
                .requestVolumeThreshold(breaker.requestVolume())
                .failureRatio(breaker.failureRatio())
                .delay(breaker.delay().toMillis(), ChronoUnit.MILLIS)
                .successThreshold(breaker.successThreshold())
                .onStateChange(state -> breakerState.set(gaugeValue(state)))
                .done()
                .withThreadOffload(false)
                .withDescription(BREAKER_NAME) // names the guard in its exceptions' messages
                .build();
    }

    /** {@code PING}, through the timeout and the breaker: fails fast while the breaker is open. */
    public Uni<Void> ping() {
        return send(Request.cmd(Command.PING)).replaceWithVoid();
    }

    /**
     * Redis' {@code maxmemory-policy}, or {@code null} when it cannot be read (managed services often refuse
     * {@code CONFIG}). Under an {@code allkeys-*} policy Redis may evict keys without a TTL too.
     */
    public Uni<String> maxmemoryPolicy() {
        return send(Request.cmd(Command.CONFIG).arg("GET").arg("maxmemory-policy")).map(reply -> {
            if (reply == null) {
                return null;
            }
            if (reply.type() == ResponseType.MULTI && reply.size() == 2) {
                return reply.get(1).toString(); // RESP2: [name, value]
            }
            Response value = reply.get("maxmemory-policy"); // RESP3: a map
            return value == null ? null : value.toString();
        }).onFailure().recoverWithNull();
    }

    /** Whether {@code policy} may evict keys that have no TTL. */
    public static boolean evictsKeysWithoutTtl(String policy) {
        return policy != null && policy.startsWith("allkeys");
    }

    /** {@code closed}, {@code open} or {@code half-open}: whether caches are skipping Redis now. */
    public String breakerState() {
        return switch (breakerState.get()) {
            case 1 -> "open";
            case 2 -> "half-open";
            default -> "closed";
        };
    }

    /** The stored bytes, or {@code null} when the key does not exist. */
    public Uni<Buffer> get(String key) {
        return read(Request.cmd(Command.GET).arg(key)).map(response -> response == null ? null : response.toBuffer());
    }

    /** One field of a hash, or {@code null} when the key or the field does not exist. */
    public Uni<Buffer> hget(String key, String field) {
        return read(Request.cmd(Command.HGET).arg(key).arg(field))
                .map(response -> response == null ? null : response.toBuffer());
    }

    /** {@code MGET}: each key's bytes, {@code null} where a key does not exist. On a cluster, one hash tag. */
    public Uni<List<Buffer>> mget(List<String> keys) {
        Request request = Request.cmd(Command.MGET);
        keys.forEach(request::arg);
        return read(request).map(response -> {
            List<Buffer> values = new java.util.ArrayList<>(response.size());
            for (Response value : response) {
                values.add(value == null ? null : value.toBuffer());
            }
            return values;
        });
    }

    public Uni<Void> set(String key, Buffer value, Duration ttl) {
        return send(Request.cmd(Command.SET).arg(key).arg(value).arg("PX").arg(ttl.toMillis())).replaceWithVoid();
    }

    /** {@code SET key value NX PX ttl}: true if this call created the key. */
    public Uni<Boolean> setIfAbsent(String key, String value, Duration ttl) {
        return send(Request.cmd(Command.SET).arg(key).arg(value).arg("NX").arg("PX").arg(ttl.toMillis()))
                .map(response -> response != null);
    }

    /** Deletes keys; on Redis Cluster they must share a hash tag. */
    public Uni<Long> delete(List<String> keys) {
        Request request = Request.cmd(Command.DEL);
        keys.forEach(request::arg);
        return send(request).map(Response::toLong);
    }

    /** Any command, through the same timeout and breaker; for the stream commands of write-behind. */
    public Uni<Response> command(Command command, List<?> args) {
        Request request = Request.cmd(command);
        for (Object arg : args) {
            if (arg instanceof Buffer buffer) {
                request.arg(buffer);
            } else {
                request.arg(String.valueOf(arg));
            }
        }
        return send(request);
    }

    /** {@code PUBLISH channel message}: how many subscribers received it. */
    public Uni<Long> publish(String channel, String message) {
        return send(Request.cmd(Command.PUBLISH).arg(channel).arg(message)).map(Response::toLong);
    }

    /**
     * Subscribes to {@code channel} on a connection of its own, and keeps subscribing: when the connection drops,
     * {@code onDown} runs and the store reconnects with backoff, then {@code onUp} runs again. Messages published
     * while it was down are lost; {@code onDown} is where a listener makes up for that.
     */
    public PubSubSubscription subscribe(String channel, Consumer<String> onMessage, Runnable onDown, Runnable onUp) {
        PubSubSubscription subscription = new PubSubSubscription(redis, channel, onMessage, onDown, onUp, keepAlive,
                timeout.multipliedBy(8));
        subscription.connect();
        return subscription;
    }

    /**
     * Runs a script by its SHA-1, sending the source only when this Redis has not seen it yet (after a restart or a
     * {@code SCRIPT FLUSH}). Arguments are strings or {@link Buffer}s.
     */
    public Uni<Response> eval(LuaScript script, List<String> keys, List<?> args) {
        return bySha(script, keys, args, this::send);
    }

    /**
     * {@link #eval}, followed on the same connection by {@code WAIT replicas wait}: answers the script's reply only
     * once {@code replicas} replicas have its writes, else fails with {@link NotReplicatedException}. The writes stay
     * on the primary either way; failing says only that they could be lost with it (a failover within the next
     * second). On a cluster the pair goes to the primary of the script's keys, since {@code WAIT} has none.
     */
    public Uni<Response> evalReplicated(LuaScript script, List<String> keys, List<?> args, int replicas,
                                        Duration wait) {
        Request waitRequest = Request.cmd(Command.WAIT).arg(replicas).arg(wait.toMillis());
        return bySha(script, keys, args, write -> sendReplicated(write, waitRequest, replicas, wait));
    }

    private Uni<Response> sendReplicated(Request write, Request waitRequest, int replicas, Duration wait) {
        long[] acknowledged = {-1};
        return guarded(() -> dispatchBatch(List.of(write, waitRequest)).map(replies -> {
            acknowledged[0] = replies.get(1).toLong();
            return replies.get(0);
        }), timeout.plus(wait)).map(reply -> {
            if (acknowledged[0] < replicas) {
                throw new NotReplicatedException(acknowledged[0], replicas);
            }
            return reply;
        });
    }

    /** A write Redis applied but fewer replicas than asked acknowledged in time: it may be lost in a failover. */
    public static final class NotReplicatedException extends RuntimeException {
        public NotReplicatedException(long acknowledged, int asked) {
            super(acknowledged + " of " + asked + " replicas acknowledged the write in time", null, false, false);
        }
    }

    private Uni<Response> send(Request request) {
        return guarded(() -> dispatch(request), timeout);
    }

    private Uni<Response> guarded(Supplier<Uni<Response>> call, Duration limit) {
        return noted(guard.get(() -> call.get().ifNoItem().after(limit).fail()));
    }

    /** Counts a failure and raises the fence when it says Redis is unwell. */
    private Uni<Response> noted(Uni<Response> reply) {
        return reply.onFailure(failure -> !RedisErrors.isNoScript(failure)).invoke(failure -> {
                    errors.increment();
                    if (RedisErrors.isOutage(failure) || RedisErrors.isOutOfMemory(failure)) {
                        fence.raise(); // what failed may have been an invalidation or a write-through
                    }
                });
    }

    /**
     * {@link #eval}, sent even while the breaker is open: a repair of a write-through whose cache write failed after
     * its commit ({@link PendingRepairs} sends it until it lands). Another instance, whose own calls to Redis succeed
     * and whose fence is down, may be reading what this one failed to change, however this one's breaker stands. One
     * attempt, with the timeout.
     */
    public Uni<Response> evalDespiteBreaker(LuaScript script, List<String> keys, List<?> args) {
        return bySha(script, keys, args, this::sendDespiteBreaker);
    }

    private Uni<Response> sendDespiteBreaker(Request request) {
        return noted(dispatch(request).ifNoItem().after(timeout).fail());
    }

    /** {@code cache-store.repair-wait}: how long a write waits for its repair to land (see {@link PendingRepairs}). */
    public Duration repairWait() {
        return repairWait;
    }

    /** Whether cached reads are kept off Redis now ({@link InvalidationFence}): for reads that run as scripts. */
    public boolean readsFenced() {
        return fence.isRaised();
    }

    /** A read of a cached value: refused at once while the {@link InvalidationFence} is raised. */
    private Uni<Response> read(Request request) {
        if (readsFenced()) {
            return Uni.createFrom().failure(new FencedReadException());
        }
        return send(request);
    }

    /** A cached read refused because Redis may hold values older than the database; readers go to the loader. */
    public static final class FencedReadException extends RuntimeException {
        public FencedReadException() {
            super("cached reads are fenced until the outbox relay has delivered what Redis missed", null, false,
                    false);
        }
    }

    private Uni<Response> dispatch(Request request) {
        EventLoopConnection own = ownConnection();
        return own != null ? own.send(request) : redis.send(request);
    }

    /** This event loop's connection; {@code null} off the event loops, or for a loop over the limit (the pool). */
    private EventLoopConnection ownConnection() {
        Context context = Vertx.currentContext();
        if (context == null || !context.isEventLoopContext()) {
            return null;
        }
        EventLoopConnection own = eventLoopConnection.get();
        return own.allowed() ? own : null;
    }

    /**
     * Requests sent together on one connection, answered together. A batch that has an error reply fails with the
     * first error as Redis gave it (the client reports "ERR [index] reply"), so that its code ({@code NOSCRIPT}, a
     * script's own) still reads as one.
     */
    private Uni<List<Response>> dispatchBatch(List<Request> requests) {
        EventLoopConnection own = ownConnection();
        Uni<List<Response>> replies = own != null ? own.batch(requests) : redis.batch(requests);
        return replies.onFailure(RedisErrors::isBatchError).transform(RedisErrors::firstErrorOfBatch);
    }

    /** Connections the event loops hold now; for tests. */
    public int loopConnections() {
        return loopConnections.get();
    }

    /**
     * The connection of one event loop, opened on first use and again after it is lost. Only its event loop's
     * thread touches it: commands are sent from there, and the connection's callbacks run there.
     */
    private final class EventLoopConnection {

        /** null: not decided yet; this loop gets a connection of its own only while under the limit. */
        private Boolean allowed;
        private RedisConnection connection;
        private Uni<RedisConnection> connecting;
        private long lastUsed;

        boolean allowed() {
            if (allowed == null) {
                allowed = loopConnections.incrementAndGet() <= loopConnectionLimit;
                if (!allowed) {
                    loopConnections.decrementAndGet();
                }
            }
            return allowed;
        }

        Uni<Response> send(Request request) {
            lastUsed = System.nanoTime();
            RedisConnection open = connection;
            return open != null ? sendOn(open, request) : connect().flatMap(opened -> sendOn(opened, request));
        }

        Uni<List<Response>> batch(List<Request> requests) {
            lastUsed = System.nanoTime();
            RedisConnection open = connection;
            Uni<RedisConnection> on = open != null ? Uni.createFrom().item(open) : connect();
            return on.flatMap(connection -> connection.batch(requests).onFailure().invoke(failure -> dropIfBad(
                    connection, failure)));
        }

        /**
         * A connection that answers from the wrong server is retired; one that is closed is dropped. The pool can
         * hand out a connection that was closed while it sat there (after a cut), and no handler of ours hears of
         * that close: without dropping it here, the loop kept it and every command failed with "Connection is
         * closed" (the fault suite: an instance off Redis for 13 minutes, its breaker never closing).
         */
        private Uni<Response> sendOn(RedisConnection on, Request request) {
            return on.send(request).onFailure().invoke(failure -> dropIfBad(on, failure));
        }

        private void dropIfBad(RedisConnection on, Throwable failure) {
            Throwable reply = RedisErrors.isBatchError(failure) ? RedisErrors.firstErrorOfBatch(failure) : failure;
            if (RedisErrors.isWrongServer(reply)) {
                retire(on);
            } else if (RedisErrors.isConnectionClosed(reply)) {
                lost(on);
            }
        }

        private Uni<RedisConnection> connect() {
            if (connecting == null) {
                // Callers that arrive while it connects wait for the same connection, and fail with it.
                connecting = redis.connect().onItemOrFailure().invoke((opened, failure) -> {
                    connecting = null;
                    if (opened != null) {
                        connection = opened;
                        loopConnects.increment();
                        Context loop = Vertx.currentContext();
                        opened.exceptionHandler(ignored -> check(loop, opened));
                        opened.endHandler(() -> check(loop, opened));
                        startKeepAlive(opened);
                    }
                }).memoize().indefinitely();
            }
            return connecting;
        }

        /**
         * Sends the {@link #keepAliveRequest() keep-alive} when the connection has been idle for a keep-alive period, so
         * that every socket a command may use has something to read: one that reads nothing for the client's
         * read-idle timeout is then one that stopped answering, and the client closes it.
         */
        private void startKeepAlive(RedisConnection opened) {
            Context context = Vertx.currentContext();
            if (context == null) {
                return;
            }
            long period = keepAlive.toMillis();
            context.owner().setPeriodic(period, period, timer -> {
                if (connection != opened) {
                    context.owner().cancelTimer(timer);
                } else if (System.nanoTime() - lastUsed >= keepAlive.toNanos()) {
                    probe(opened);
                }
            });
        }

        /**
         * One of the connection's sockets ended or failed. On one server (or under Sentinel) that socket is the
         * connection; on a cluster it may be the socket to a replica, which no command of ours uses and no
         * keep-alive reaches, so the client's read-idle timeout closes it a few seconds after every connect. Dropping
         * the whole connection then would replace it every few seconds; it is probed instead, on its own loop.
         */
        private void check(Context loop, RedisConnection which) {
            if (loop == null) {
                lost(which);
            } else {
                loop.runOnContext(ignored -> {
                    if (connection == which) {
                        probe(which);
                    }
                });
            }
        }

        /** The keep-alive, whose failure on a closed socket drops the connection ({@link #dropIfBad}). */
        private void probe(RedisConnection which) {
            which.send(keepAliveRequest()).subscribe().with(ignored -> { }, failure -> dropIfBad(which, failure));
        }

        /** Commands in flight on it fail; the next command opens a new one. */
        private void lost(RedisConnection which) {
            if (connection == which) {
                connection = null;
                which.close().subscribe().with(ignored -> { }, ignored -> { });
            }
        }

        /**
         * It answered from a server that cannot serve us (a replica after a failover, one still loading): ask Redis
         * to close it ({@code QUIT}), since closing a pooled connection would only return it to the pool.
         */
        private void retire(RedisConnection which) {
            if (which != null && connection == which) {
                connection = null;
                which.send(Request.cmd(Command.QUIT)).onTermination().call(which::close)
                        .subscribe().with(ignored -> { }, ignored -> { });
            }
        }
    }

    /** {@code EVALSHA} through {@code sender}, and {@code EVAL} with the source when Redis answers NOSCRIPT. */
    private static Uni<Response> bySha(LuaScript script, List<String> keys, List<?> args,
                                       Function<Request, Uni<Response>> sender) {
        return sender.apply(scriptRequest(Command.EVALSHA, script.sha1(), keys, args))
                .onFailure(RedisErrors::isNoScript)
                .recoverWithUni(() -> sender.apply(scriptRequest(Command.EVAL, script.source(), keys, args)));
    }

    private static Request scriptRequest(Command command, String script, List<String> keys, List<?> args) {
        Request request = Request.cmd(command).arg(script).arg(keys.size());
        keys.forEach(request::arg);
        for (Object arg : args) {
            if (arg instanceof Buffer buffer) {
                request.arg(buffer);
            } else {
                request.arg(String.valueOf(arg));
            }
        }
        return request;
    }

    /** A pub/sub subscription that reconnects by itself; see {@link #subscribe}. */
    public static final class PubSubSubscription {

        private static final Logger LOG = Logger.getLogger(PubSubSubscription.class);

        private final Redis redis;
        private final String channel;
        private final Consumer<String> onMessage;
        private final Runnable onDown;
        private final Runnable onUp;
        private final Duration keepAlive;
        private final Duration subscribeTimeout;
        private final AtomicBoolean up = new AtomicBoolean();
        private volatile boolean closed;
        private volatile RedisConnection connection;

        private PubSubSubscription(Redis redis, String channel, Consumer<String> onMessage, Runnable onDown,
                                   Runnable onUp, Duration keepAlive, Duration subscribeTimeout) {
            this.redis = redis;
            this.channel = channel;
            this.onMessage = onMessage;
            this.onDown = onDown;
            this.onUp = onUp;
            this.keepAlive = keepAlive;
            this.subscribeTimeout = subscribeTimeout;
        }

        /** Whether messages are arriving now. */
        public boolean isUp() {
            return up.get();
        }

        public void close() {
            closed = true;
            RedisConnection current = connection;
            if (current != null) {
                current.close().subscribe().with(ignored -> { }, ignored -> { });
            }
        }

        private void connect() {
            redis.connect()
                    .flatMap(opened -> {
                        connection = opened;
                        opened.handler(this::received);
                        // On a cluster a socket to a replica or to another primary may end without the
                        // subscription's ending: probe, as the event loops' connections do.
                        opened.exceptionHandler(failure -> probe(opened, failure.toString()));
                        opened.endHandler(() -> probe(opened, "connection closed"));
                        return opened.send(Request.cmd(Command.SUBSCRIBE).arg(channel))
                                .ifNoItem().after(subscribeTimeout).fail()
                                .onFailure().call(() -> {
                                    // Refused (an ACL's NOPERM) or unanswered: give the connection back before
                                    // the retry takes another, or each retry would leak one.
                                    connection = null;
                                    return opened.close().onFailure().recoverWithNull();
                                })
                                .invoke(() -> startKeepAlive(opened));
                    })
                    .onFailure().invoke(failure -> LOG.debugf("subscribing to %s failed: %s", channel, failure))
                    .onFailure(failure -> !closed).retry()
                    .withBackOff(Duration.ofMillis(100), Duration.ofSeconds(5)).indefinitely()
                    .subscribe().with(subscribed -> {
                        if (up.compareAndSet(false, true)) {
                            LOG.infof("subscribed to %s", channel);
                            onUp.run();
                        }
                    }, failure -> LOG.warnf("gave up subscribing to %s: %s", channel, failure));
        }

        private void received(Response push) {
            // RESP2 and RESP3 both deliver ["message", channel, payload]. Anything else (a keep-alive's +PONG on a
            // connection that is not subscribed yet) is no message: size() would throw on a simple reply.
            if (push != null && (push.type() == ResponseType.MULTI
                    || push.type() == ResponseType.PUSH)
                    && push.size() == 3 && "message".equals(push.get(0).toString())) {
                onMessage.accept(push.get(2).toString());
            }
        }

        /**
         * A subscribed connection reads nothing while nobody publishes; the keep-alive each period gives it
         * something to read, so that the client's read-idle timeout closes one that died silently and
         * {@link #lost} runs within seconds, not when TCP gives up. On a cluster the subscription is on one
         * primary, chosen by the client; the keep-alive reaches every primary, so it reaches that one.
         */
        private void startKeepAlive(RedisConnection opened) {
            Vertx vertx = Vertx.currentContext() == null ? null : Vertx.currentContext().owner();
            if (vertx == null) {
                return;
            }
            long period = keepAlive.toMillis();
            vertx.setPeriodic(period, period, timer -> {
                if (connection != opened || closed) {
                    vertx.cancelTimer(timer);
                } else {
                    probe(opened, "no answer to the keep-alive");
                }
            });
        }

        /**
         * Whether the connection still answers. An error reply is an answer: under RESP2 a subscribed connection
         * refuses any command but a few, and that refusal is read like any reply.
         */
        private void probe(RedisConnection which, String why) {
            which.send(keepAliveRequest()).ifNoItem().after(keepAlive.multipliedBy(3)).fail()
                    .subscribe().with(ignored -> { }, failure -> {
                        if (RedisErrors.replyCode(failure) == null) {
                            lost(which, why + ": " + failure.getMessage());
                        }
                    });
        }

        private void lost(RedisConnection which, String why) {
            if (closed || which != connection || !up.compareAndSet(true, false)) {
                return; // closed by its owner, an old connection, or already handled
            }
            connection = null;
            which.close().subscribe().with(ignored -> { }, ignored -> { });
            LOG.warnf("subscription to %s lost (%s); reconnecting", channel, why);
            onDown.run();
            if (!closed) {
                connect();
            }
        }
    }

    /**
     * {@code DBSIZE}: as cheap as a {@code PING}, and a cluster client sends it to every primary (it sums their
     * answers), where a {@code PING} reaches one node at random.
     */
    private static Request keepAliveRequest() {
        return Request.cmd(Command.DBSIZE);
    }

    /** 0 closed, 1 open, 2 half-open: a gauge, so that a dashboard can show when Redis was cut off. */
    private static int gaugeValue(CircuitBreakerState state) {
        return switch (state) {
            case CLOSED -> 0;
            case OPEN -> 1;
            case HALF_OPEN -> 2;
        };
    }
}
