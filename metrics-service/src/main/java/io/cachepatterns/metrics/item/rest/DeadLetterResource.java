package io.cachepatterns.metrics.item.rest;

import io.cachepatterns.metrics.item.service.CounterService;
import io.cachepatterns.shared.auth.RequiresAdmin;
import io.cachepatterns.shared.patterns.writebehind.WriteBehind.DeadLetter;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * {@code /admin/dead-letters}: counter writes that failed too often, to look at and to replay (the admin role or the
 * operator's token).
 */
@Path("/admin/dead-letters")
@RequiresAdmin
@Produces(MediaType.APPLICATION_JSON)
public class DeadLetterResource {

    private final CounterService counters;

    public DeadLetterResource(CounterService counters) {
        this.counters = counters;
    }

    /** How many dead letters were put back in the log. */
    public record Replayed(int replayed) {
    }

    @GET
    public Uni<List<DeadLetter>> list() {
        return counters.writeBehind().deadLetters();
    }

    /** Puts every dead letter back into the log, with the counter's current values, to be flushed again. */
    @POST
    @Path("/replay")
    public Uni<Replayed> replay() {
        return counters.writeBehind().replayDeadLetters().map(Replayed::new);
    }
}
