package io.cachepatterns.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachepatterns.testsupport.ApiCalls;
import io.cachepatterns.testsupport.HalfWrittenState;
import io.cachepatterns.testsupport.LocalStack;
import io.cachepatterns.testsupport.SeedData;
import io.cachepatterns.testsupport.ServiceProcess;
import io.cachepatterns.testsupport.TestServers;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every operation of every service's OpenAPI document, called with generated input: one request in ten plausible,
 * the others with something wrong — malformed, truncated or empty JSON, wrong types, missing and unknown fields,
 * boundary and huge numbers, long and odd text (NUL, unpaired surrogates, right-to-left marks), bad ids and query
 * parameters, wrong content types, bad and oversized tokens and headers. Every answer must be 2xx, 3xx or 4xx —
 * never a 5xx but a 503 problem (a dependency that did not answer in time under this load) — and every 4xx an
 * {@code application/problem+json}, except 431 (headers over 8 KiB), which the HTTP layer answers before the
 * application. Seeded ({@code -Dfuzz.seed}, fixed by default), {@code -Dfuzz.requests} requests in all (10 000 by
 * default), eight at a time.
 */
class ApiFuzzIT {

    /** HTTP/1.1, as the services' clients speak it (the JDK's default tries an HTTP/2 upgrade first). */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROBLEM = "application/problem+json";
    private static final List<String> ODD_TEXT = List.of("", " ", "a", "x".repeat(300), "x".repeat(70_000),
            "\\u0000", "a\\u0000b", "\\ud800", "\\udfff", "\\u202eevil", "Ωmega", "😀", "'; DROP TABLE x;--", "../..",
            "%00", "{}", "[]", "null", "true", "-1", "0", "1e999", "9223372036854775808");
    private static final List<String> ODD_SEGMENTS = List.of("0", "-1", "1", "2", "999999999", "9223372036854775808",
            "abc", "a%00b", "%F0%9F%98%80", "..%2F..", "x".repeat(300), "%20", "1.5", "null", "%E2%80%AE");

    private static LocalStack stack;

    @BeforeAll
    static void startEverything() {
        Path root = Path.of("..").toAbsolutePath().normalize();
        stack = LocalStack.start(root, TestServers.get(), Path.of("target/fuzz"), service -> ServiceProcess.freePort());
        SeedData.load(stack);
        // A user who may do everything a signed-in caller may (editor and service roles), and a token that was
        // logged out: the generated requests carry these as well as none, garbage and the operator's.
        String username = "fuzzer_" + System.nanoTime() % 1_000_000;
        String password = "fuzzing passphrase " + System.nanoTime();
        String registered = send("profile", "POST", "/profiles", "{\"username\":\"" + username + "\",\"password\":\""
                + password + "\",\"displayName\":\"Fuzzer\",\"email\":\"fuzzer@example.com\"}", null);
        String id = ApiCalls.field(registered, "id");
        send("profile", "PUT", "/profiles/" + id + "/roles", "{\"roles\":[\"editor\",\"service\"]}",
                LocalStack.LOCAL_ADMIN_TOKEN);
        String login = "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}";
        signedIn = ApiCalls.field(send("profile", "POST", "/sessions", login, null), "token");
        loggedOut = ApiCalls.field(send("profile", "POST", "/sessions", login, null), "token");
        send("profile", "DELETE", "/sessions/current", null, loggedOut);
    }

    private static volatile String signedIn;
    private static volatile String loggedOut;

    /** A set-up call, which must succeed: its answer's body. */
    private static String send(String service, String method, String path, String json, String token) {
        HttpResponse<String> response = ApiCalls.call(stack, service, method, path, json, token);
        assertThat(response.statusCode()).as("%s %s: %s", method, path, response.body()).isLessThan(300);
        return response.body();
    }

    @AfterAll
    static void stopEverything() {
        if (stack != null) {
            stack.close();
        }
    }

    /** One generated request: what it was, and what came back. */
    private record Call(String service, String method, String path, String body, int status, String contentType,
                        String answer) {
    }

    @Test
    void noOperationAnswers5xxAndEvery4xxIsAProblem() throws Exception {
        // A fixed seed by default, so that a build is red only for a reason it can repeat; another seed explores.
        long seed = Long.getLong("fuzz.seed", 20261202L);
        int total = Integer.getInteger("fuzz.requests", 10_000);
        System.out.printf("fuzz: seed %d (-Dfuzz.seed=%d repeats this run), %d requests%n", seed, seed, total);
        Random random = new Random(seed);

        List<Operation> operations = new ArrayList<>();
        for (ServiceProcess service : stack.services()) {
            operations.addAll(operations(service));
        }
        assertThat(operations).as("operations found in the OpenAPI documents").hasSizeGreaterThan(20);

        ConcurrentLinkedQueue<Call> bad = new ConcurrentLinkedQueue<>();
        AtomicInteger byStatus5xx = new AtomicInteger();
        AtomicInteger unavailable = new AtomicInteger();
        Semaphore inFlight = new Semaphore(8);
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            Operation operation = operations.get(random.nextInt(operations.size()));
            boolean valid = random.nextInt(10) == 0;
            HttpRequest request = operation.request(random, valid);
            String sentBody = operation.lastBody;
            inFlight.acquire();
            calls.add(sendOnce(request).handle((response, failure) -> {
                inFlight.release();
                if (failure != null) {
                    bad.add(new Call(operation.service, request.method(), request.uri().getRawPath(), sentBody, -1, "",
                            failure + " (authorization: " + request.headers().firstValue("authorization")
                                    .map(value -> abbreviate(value)).orElse("none") + ")"));
                    return null;
                }
                int status = response.statusCode();
                String type = response.headers().firstValue("content-type").orElse("");
                boolean problem = type.startsWith(PROBLEM);
                // 503 problem: a service whose dependency did not answer in time (feed-service building a feed while
                // this test keeps both cores busy) says so, as it must during an outage; counted, not a failure.
                if (status == 503 && problem) {
                    unavailable.incrementAndGet();
                    return null;
                }
                // 431: headers over the HTTP layer's 8 KiB, refused by it before any application code runs (and so
                // without a problem body); the only 4xx that is not one.
                if (status >= 500 || (status >= 400 && !problem && status != 431)) {
                    if (status >= 500) {
                        byStatus5xx.incrementAndGet();
                    }
                    bad.add(new Call(operation.service, request.method(), request.uri().getRawPath() + "?"
                            + request.uri().getRawQuery(), sentBody, status, type, response.body()));
                }
                return null;
            }));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();

        List<String> report = bad.stream().sorted(java.util.Comparator.comparingInt((Call call) -> -call.status))
                .limit(25).map(call -> call.status + " " + call.contentType + " "
                + call.method + " " + call.service + " " + call.path + " body="
                + abbreviate(call.body) + " answer=" + abbreviate(call.answer)).toList();
        System.out.printf("fuzz: %d requests over %d operations, %d answers broke the rules (%d of them 5xx); %d were"
                + " 503 problems (a dependency too slow under this load)%n", total, operations.size(), bad.size(),
                byStatus5xx.get(), unavailable.get());
        assertThat(report).as("answers that are 5xx, or 4xx without a problem body (seed %d)", seed).isEmpty();

        // Whatever was accepted or refused, nothing may be left half written once the system has settled.
        List<String> halfWritten = HalfWrittenState.find(TestServers.get(), Duration.ofSeconds(20));
        System.out.printf("fuzz: %d differences between PostgreSQL and Redis once settled%n", halfWritten.size());
        assertThat(halfWritten).as("half-written state after the fuzz (seed %d)", seed).isEmpty();
    }

    /**
     * Sends the request; when the connection ends without an answer (the JDK client reusing a kept-alive connection
     * the server has just closed, say after refusing a request whose body it did not read), once more on a connection
     * of its own. A request that gets no answer twice is reported.
     */
    private static CompletableFuture<HttpResponse<String>> sendOnce(HttpRequest request) {
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .exceptionallyCompose(failure -> failure.getCause() instanceof java.io.IOException
                        ? HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofString())
                        : CompletableFuture.failedFuture(failure));
    }

    private static String abbreviate(String text) {
        if (text == null) {
            return "";
        }
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    private static List<Operation> operations(ServiceProcess service) throws Exception {
        HttpResponse<String> document = HTTP.send(HttpRequest.newBuilder(service.uri("/q/openapi?format=json"))
                .build(), HttpResponse.BodyHandlers.ofString());
        JsonNode openapi = JSON.readTree(document.body());
        List<Operation> operations = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = openapi.path("paths").fields(); paths.hasNext();) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> methods = path.getValue().fields(); methods.hasNext();) {
                Map.Entry<String, JsonNode> method = methods.next();
                if (List.of("get", "post", "put", "delete", "patch").contains(method.getKey())) {
                    operations.add(new Operation(service, method.getKey().toUpperCase(), path.getKey(),
                            method.getValue(), openapi));
                }
            }
        }
        return operations;
    }

    /** One operation of a service, and how to call it with generated input. */
    private static final class Operation {
        final String service;
        final ServiceProcess process;
        final String method;
        final String template;
        final JsonNode spec;
        final JsonNode openapi;
        volatile String lastBody;

        Operation(ServiceProcess process, String method, String template, JsonNode spec, JsonNode openapi) {
            this.process = process;
            this.service = process.name();
            this.method = method;
            this.template = template;
            this.spec = spec;
            this.openapi = openapi;
        }

        HttpRequest request(Random random, boolean valid) {
            String path = template;
            StringBuilder query = new StringBuilder();
            for (JsonNode parameter : spec.path("parameters")) {
                String name = parameter.path("name").asText();
                String value = valid ? validValue(schema(parameter.path("schema")), random) : segment(random);
                if ("path".equals(parameter.path("in").asText())) {
                    path = path.replace("{" + name + "}", value);
                } else if ("query".equals(parameter.path("in").asText()) && (valid || random.nextBoolean())) {
                    query.append(query.length() == 0 ? "?" : "&").append(name).append('=').append(value);
                }
            }
            path = path.replaceAll("\\{[^}]+}", segment(random));
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + process.port()
                    + path + query)).timeout(Duration.ofSeconds(30));
            // A valid request is a signed-in editor's; the others carry no credential, garbage, the operator's token,
            // the signed-in user's (for someone else's profile, say), a logged-out token, or an idempotency key.
            switch (valid ? 4 : random.nextInt(9)) {
                case 1 -> builder.header("Authorization", "Bearer " + odd(random));
                case 2 -> builder.header("Authorization", "Bearer " + LocalStack.LOCAL_ADMIN_TOKEN);
                case 3 -> builder.header("Idempotency-Key", random.nextBoolean() ? "k" + random.nextInt(50) : odd(random));
                case 4 -> builder.header("Authorization", "Bearer " + signedIn);
                case 5 -> builder.header("Authorization", "Bearer " + loggedOut);
                case 6 -> builder.header("Authorization", random.nextBoolean() ? "Bearer " : "Basic " + odd(random));
                default -> { }
            }
            JsonNode bodySchema = spec.path("requestBody").path("content").path("application/json").path("schema");
            String body = null;
            if (!bodySchema.isMissingNode()) {
                body = valid ? validValue(schema(bodySchema), random) : mutatedBody(schema(bodySchema), random);
                String type = valid || random.nextInt(8) != 0 ? "application/json"
                        : List.of("text/plain", "application/xml", "application/json; charset=latin1").get(random.nextInt(3));
                builder.header("Content-Type", type);
            } else if (!valid && random.nextInt(6) == 0) {
                body = "{\"unexpected\":true}";
                builder.header("Content-Type", "application/json");
            }
            lastBody = body;
            HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body);
            return builder.method(method, publisher).build();
        }

        private JsonNode schema(JsonNode schema) {
            String ref = schema.path("$ref").asText("");
            if (ref.startsWith("#/components/schemas/")) {
                return openapi.path("components").path("schemas").path(ref.substring("#/components/schemas/".length()));
            }
            return schema;
        }

        /** A plausible value of the schema, as JSON text (a path or query value when it is a scalar). */
        private String validValue(JsonNode schema, Random random) {
            String type = schema.path("type").asText("string");
            switch (type) {
                case "integer":
                    return String.valueOf(1 + random.nextInt(5));
                case "number":
                    return String.valueOf(1 + random.nextInt(100)) + ".50";
                case "boolean":
                    return String.valueOf(random.nextBoolean());
                case "array":
                    return "[" + validValue(schema(schema.path("items")), random) + "]";
                case "object": {
                    ObjectNode object = JSON.createObjectNode();
                    for (Iterator<Map.Entry<String, JsonNode>> fields = schema.path("properties").fields();
                         fields.hasNext();) {
                        Map.Entry<String, JsonNode> field = fields.next();
                        try {
                            object.set(field.getKey(), JSON.readTree(jsonOf(schema(field.getValue()), random)));
                        } catch (Exception e) {
                            object.put(field.getKey(), "x");
                        }
                    }
                    return object.toString();
                }
                default:
                    if (schema.has("enum")) {
                        return schema.path("enum").get(random.nextInt(schema.path("enum").size())).asText();
                    }
                    return "fuzz" + random.nextInt(1000);
            }
        }

        private String jsonOf(JsonNode schema, Random random) {
            String value = validValue(schema, random);
            String type = schema.path("type").asText("string");
            return type.equals("string") ? JSON.valueToTree(value).toString() : value;
        }

        /** The schema's body with one thing wrong. */
        private String mutatedBody(JsonNode schema, Random random) {
            String valid = jsonOf(schema, random);
            switch (random.nextInt(9)) {
                case 0:
                    return valid.substring(0, random.nextInt(Math.max(1, valid.length())));
                case 1:
                    return List.of("", "null", "[]", "42", "\"text\"", "{", "{\"a\":}", "\u0000").get(random.nextInt(8));
                case 2:
                    return "x".repeat(200_000 + random.nextInt(100_000));
                default:
                    break;
            }
            try {
                JsonNode node = JSON.readTree(valid);
                if (!(node instanceof ObjectNode object) || object.isEmpty()) {
                    return valid;
                }
                List<String> names = new ArrayList<>();
                object.fieldNames().forEachRemaining(names::add);
                String field = names.get(random.nextInt(names.size()));
                switch (random.nextInt(5)) {
                    case 0 -> object.remove(field);
                    case 1 -> object.put("unknown" + random.nextInt(3), 1);
                    case 2 -> object.set(field, JSON.readTree(List.of("123", "-1", "1e308", "9223372036854775808",
                            "true", "[]", "{}", "null", "0.0000001").get(random.nextInt(9))));
                    default -> {
                        // Odd text, written as JSON escapes exactly as a client could send it.
                        String text = ODD_TEXT.get(random.nextInt(ODD_TEXT.size()));
                        return object.toString().replaceFirst("\"" + field + "\":(\"[^\"]*\"|[^,}]*)",
                                java.util.regex.Matcher.quoteReplacement("\"" + field + "\":\"" + text + "\""));
                    }
                }
                return object.toString();
            } catch (Exception e) {
                return valid;
            }
        }

        private static String segment(Random random) {
            return ODD_SEGMENTS.get(random.nextInt(ODD_SEGMENTS.size()));
        }

        private static String odd(Random random) {
            return URLEncoder.encode(ODD_TEXT.get(random.nextInt(ODD_TEXT.size())).replace("\\u0000", "x"),
                    StandardCharsets.UTF_8);
        }
    }
}
