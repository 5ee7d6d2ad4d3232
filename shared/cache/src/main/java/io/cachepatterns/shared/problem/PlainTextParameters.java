package io.cachepatterns.shared.problem;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MultivaluedMap;
import java.util.List;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * {@link PlainText}'s rule for what arrives in the URL: a path or query parameter holding a NUL ({@code %00}) or half
 * of a character is a 400 problem naming the parameter, before any resource sees it. Found by the fuzz test: a
 * {@code ?category=a%00b} reached PostgreSQL, which refuses NUL in text, and answered 500.
 */
public class PlainTextParameters {

    @ServerRequestFilter
    public void refuseOddText(ContainerRequestContext request, HttpServerRequest http) {
        // A NUL or half a character arrives percent-encoded, or as a raw NUL: most requests, a cache hit's among
        // them, have neither and cost two scans of the raw URI instead of decoding every parameter.
        String uri = http.uri();
        if (uri.indexOf('%') < 0 && uri.indexOf('\0') < 0) {
            return;
        }
        refuseOddText(request.getUriInfo().getPathParameters());
        refuseOddText(request.getUriInfo().getQueryParameters());
    }

    private static void refuseOddText(MultivaluedMap<String, String> parameters) {
        for (Map.Entry<String, List<String>> parameter : parameters.entrySet()) {
            for (String value : parameter.getValue()) {
                String refusal = value == null ? null : PlainText.refusal(value);
                if (refusal != null) {
                    throw ProblemException.badRequest(parameter.getKey(), refusal);
                }
            }
        }
    }
}
