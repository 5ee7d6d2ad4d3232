package io.cachepatterns.shared.invalidation;

import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.core.RedisStore.PubSubSubscription;
import io.smallrye.mutiny.Uni;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Event-driven invalidation between services: the service that owns some data publishes the id of what changed,
 * after its commit, on a Redis channel; services that cache copies of it subscribe and invalidate their copies.
 *
 * <p><b>Guarantee.</b> At most once: a message published while a subscriber is disconnected is lost, and so is one
 * published when Redis cannot be reached. Subscribers therefore still bound staleness with a TTL; the channel only
 * ends it sooner, usually within milliseconds. {@code onGap} tells a subscriber when it may have missed changes.
 */
public final class ChangeChannel implements InvalidationTarget {

    private static final Logger LOG = Logger.getLogger(ChangeChannel.class);

    private final RedisStore store;
    private final String channel;

    public ChangeChannel(RedisStore store, String channel) {
        this.store = store;
        this.channel = channel;
    }

    public String name() {
        return channel;
    }

    /** Tells subscribers that {@code id} changed. Never fails: the change has committed; a lost message is logged. */
    public Uni<Void> publish(String id) {
        return store.publish(channel, id)
                .onItemOrFailure().transform((receivers, failure) -> {
                    if (failure != null) {
                        LOG.warnf("could not announce the change of %s on %s (%s); copies elsewhere stay stale "
                                + "until their TTL ends", id, channel, failure.toString());
                    }
                    return null;
                });
    }

    @Override
    public String targetName() {
        return "channel:" + channel;
    }

    /** {@link #publish}, but failing when Redis did not take it: for the outbox, which tries again. */
    @Override
    public Uni<Void> deliver(String id) {
        return store.publish(channel, id).replaceWithVoid();
    }

    /**
     * Calls {@code onChange} with each changed id, on a connection of its own that reconnects by itself;
     * {@code onGap} runs when the connection drops (changes may be missed until it is back). Close it on shutdown.
     */
    public PubSubSubscription subscribe(Consumer<String> onChange, Runnable onGap) {
        return store.subscribe(channel, onChange, onGap, () -> { });
    }
}
