package io.cachepatterns.metrics.item.rest;

import io.cachepatterns.metrics.item.service.CounterService;
import io.cachepatterns.shared.admin.AdminToken;
import io.cachepatterns.shared.patterns.writebehind.WriteBehind.DeadLetter;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.jboss.resteasy.reactive.RestHeader;

/** {@code /admin/dead-letters}: counter writes that failed too often, to look at and to replay (admin token). */
@Path("/admin/dead-letters")
@Produces(MediaType.APPLICATION_JSON)
public class DeadLetterResource {

    private final CounterService counters;
    private final AdminToken admin;

    public DeadLetterResource(CounterService counters, AdminToken admin) {
        this.counters = counters;
        this.admin = admin;
    }

    /** How many dead letters were put back in the log. */
    public record Replayed(int replayed) {
    }

    @GET
    public Uni<List<DeadLetter>> list(@RestHeader(HttpHeaders.AUTHORIZATION) String authorization) {
        admin.require(authorization);
        return counters.writeBehind().deadLetters();
    }

    /** Puts every dead letter back into the log, with the counter's current values, to be flushed again. */
    @POST
    @Path("/replay")
    public Uni<Replayed> replay(@RestHeader(HttpHeaders.AUTHORIZATION) String authorization) {
        admin.require(authorization);
        return counters.writeBehind().replayDeadLetters().map(Replayed::new);
    }
}
