package io.cachepatterns.catalog.flag.rest;

import io.cachepatterns.catalog.flag.service.FlagChange;
import io.cachepatterns.catalog.flag.service.FlagService;
import io.cachepatterns.catalog.flag.service.FlagView;
import io.cachepatterns.shared.auth.RequiresAdmin;
import io.cachepatterns.shared.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.jboss.resteasy.reactive.RestPath;

/** {@code /flags}: feature flags; changing one needs the admin role (or the operator's token). */
@Path("/flags")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class FlagResource {

    private static final String NAME = "[a-z0-9][a-z0-9-]{0,63}";

    private final FlagService flags;

    public FlagResource(FlagService flags) {
        this.flags = flags;
    }

    @GET
    public Uni<List<FlagView>> all() {
        return flags.all();
    }

    @GET
    @Path("/{name}")
    public Uni<FlagView> get(@RestPath String name) {
        return flags.find(validName(name)).map(flag -> {
            if (flag == null) {
                throw ProblemException.notFound("no flag " + name);
            }
            return flag;
        });
    }

    @PUT
    @Path("/{name}")
    @RequiresAdmin
    public Uni<FlagView> set(@RestPath String name, @Valid @NotNull FlagChange change) {
        return flags.set(validName(name), change);
    }

    private static String validName(String name) {
        if (!name.matches(NAME)) {
            throw ProblemException.badRequest("name", "must be 1 to 64 of a-z, 0-9 and -, starting with a letter"
                    + " or digit");
        }
        return name;
    }
}
