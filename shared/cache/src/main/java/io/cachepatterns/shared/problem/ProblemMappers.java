package io.cachepatterns.shared.problem;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.smallrye.mutiny.CompositeException;
import jakarta.enterprise.inject.Instance;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every error into {@code application/problem+json}, the same way in every service: bad input is a 4xx that
 * names the field, and nothing internal leaks into a 500.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    private final ObjectMapper mapper;
    private final List<OutageClassifier> outages;

    public ProblemMappers(ObjectMapper mapper, Instance<OutageClassifier> outages) {
        this.mapper = mapper;
        this.outages = outages.stream().toList();
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        Response response = respond(e.problem());
        if (e.problem().status() == 401) {
            // RFC 9110: a 401 names the scheme the client should use.
            return Response.fromResponse(response).header("WWW-Authenticate", "Bearer").build();
        }
        if (e.retryAfterSeconds() > 0) {
            return Response.fromResponse(response).header("Retry-After", e.retryAfterSeconds()).build();
        }
        return response;
    }

    @ServerExceptionMapper
    public Response invalid(ConstraintViolationException e) {
        List<Problem.FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new Problem.FieldError(fieldOf(v), v.getMessage()))
                .sorted(Comparator.comparing(Problem.FieldError::field))
                .toList();
        String detail = errors.stream().map(f -> f.field() + ": " + f.message()).collect(Collectors.joining("; "));
        return respond(Problem.ofFields(400, "Bad Request", detail, errors));
    }

    @ServerExceptionMapper
    public Response malformed(JsonParseException e) {
        return respond(Problem.of(400, "Bad Request", "the body is not well-formed JSON: " + e.getOriginalMessage()));
    }

    /** Mapped on its own because Quarkus REST has a built-in mapper for this subtype that answers plain JSON. */
    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e) {
        return unreadable(e);
    }

    @ServerExceptionMapper
    public Response unreadable(JsonMappingException e) {
        String field = pathOf(e);
        String detail;
        if (e instanceof UnrecognizedPropertyException unknown) {
            detail = "unknown field";
            field = unknown.getPropertyName();
        } else if (e instanceof PlainText.RefusedText) {
            detail = e.getOriginalMessage();
        } else if (e instanceof InvalidFormatException format) {
            detail = "cannot read '" + format.getValue() + "' as " + format.getTargetType().getSimpleName();
        } else {
            detail = "has the wrong type or shape";
        }
        if (field.isEmpty()) {
            return respond(Problem.of(400, "Bad Request", "the body does not have the expected shape"));
        }
        return respond(Problem.ofFields(400, "Bad Request", field + ": " + detail,
                List.of(new Problem.FieldError(field, detail))));
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        return respond(Problem.of(400, "Bad Request", "the body cannot be read as JSON"));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        // The JSON body reader reports unreadable bodies as a bare 400 with the parser's exception as the cause.
        if (e.getCause() instanceof JsonParseException parse) {
            return malformed(parse);
        }
        if (e.getCause() instanceof JsonMappingException mapping) {
            return unreadable(mapping);
        }
        Response.StatusType status = e.getResponse().getStatusInfo();
        if (status.getStatusCode() >= 500) {
            LOG.error("request failed", e);
            return respond(Problem.of(status.getStatusCode(), status.getReasonPhrase(), "the request failed"));
        }
        return respond(Problem.of(status.getStatusCode(), status.getReasonPhrase(), e.getMessage()));
    }

    /**
     * A client's circuit breaker open, its timeout or bulkhead spent: a dependency is unavailable, which is a 503
     * problem, not the 500 of an unexpected failure (found by ApiFuzzIT: feed-service's summaries while the catalog
     * client's breaker was open).
     */
    @ServerExceptionMapper
    public Response dependencyUnavailable(FaultToleranceException e) {
        LOG.warnf("a dependency is unavailable: %s", e.toString());
        return respond(Problem.of(503, "Service Unavailable",
                "a service this one depends on is unavailable; try again shortly"));
    }

    /**
     * Unexpected, unless a dependency is out: then a 503 problem, which a client may retry (found by the fault suite:
     * every write during a PostgreSQL restart answered 500).
     */
    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        Optional<OutageClassifier> outage = outageBehind(e);
        if (outage.isPresent()) {
            LOG.warnf("%s is unavailable: %s", outage.get().dependency(), e.toString());
            return respond(Problem.of(503, "Service Unavailable", outage.get().dependency()
                    + " is unavailable; try again shortly"));
        }
        LOG.error("unexpected failure", e);
        return respond(Problem.of(500, "Internal Server Error", "an unexpected error occurred; it has been logged"));
    }

    /** The first classifier that recognises the failure or one of its causes, composite failures' parts included. */
    private Optional<OutageClassifier> outageBehind(Throwable failure) {
        Deque<Throwable> toVisit = new ArrayDeque<>(List.of(failure));
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        while (!toVisit.isEmpty()) {
            Throwable next = toVisit.pop();
            if (!seen.add(next)) {
                continue;
            }
            for (OutageClassifier classifier : outages) {
                if (classifier.isOutage(next)) {
                    return Optional.of(classifier);
                }
            }
            if (next instanceof CompositeException composite) {
                toVisit.addAll(composite.getCauses());
            }
            if (next.getCause() != null) {
                toVisit.add(next.getCause());
            }
        }
        return Optional.empty();
    }

    private Response respond(Problem problem) {
        try {
            return Response.status(problem.status())
                    .type(Problem.MEDIA_TYPE)
                    .entity(mapper.writeValueAsBytes(problem))
                    .build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code create.body.price} → {@code price}: the method and parameter names mean nothing to a client. */
    private static String fieldOf(ConstraintViolation<?> violation) {
        List<String> nodes = StreamSupport.stream(violation.getPropertyPath().spliterator(), false)
                .filter(node -> node.getName() != null)
                .map(Path.Node::getName)
                .toList();
        if (nodes.size() > 2 && isParameterPath(violation)) {
            return String.join(".", nodes.subList(2, nodes.size()));
        }
        return nodes.isEmpty() ? "" : nodes.get(nodes.size() - 1);
    }

    private static boolean isParameterPath(ConstraintViolation<?> violation) {
        var first = violation.getPropertyPath().iterator().next();
        return first.getKind() == jakarta.validation.ElementKind.METHOD;
    }

    private static String pathOf(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."));
    }
}
