package io.cachepatterns.shared.problem;

import java.util.regex.Pattern;

/**
 * Path and query parameters read by hand, so that a bad one is a 400 naming the parameter rather than the bare 404
 * that JAX-RS gives a path parameter it cannot convert.
 */
public final class Params {

    /** A name used as a key: 1 to 64 of letters, digits, '.', '_' and '-'. */
    public static final String IDENTIFIER = "[A-Za-z0-9._-]{1,64}";
    public static final String IDENTIFIER_RULE = "must be 1 to 64 of letters, digits, '.', '_' and '-'";
    /** Compiled once: {@code String.matches} compiles its pattern on every call, on every request's hot path. */
    private static final Pattern IDENTIFIER_PATTERN = Pattern.compile(IDENTIFIER);

    private Params() {
    }

    /** A positive 64-bit id. */
    public static long id(String name, String raw) {
        try {
            long id = Long.parseLong(raw);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ProblemException.badRequest(name, "must be a positive whole number, not '" + shorten(raw) + "'");
    }

    /** A comma-separated list of 1 to {@code max} positive ids, duplicates dropped, in the order given. */
    public static java.util.List<Long> ids(String name, String raw, int max) {
        return list(name, raw, max, "ids", part -> id(name, part));
    }

    /** A comma-separated list of 1 to {@code max} {@link #IDENTIFIER}s, duplicates dropped, in the order given. */
    public static java.util.List<String> identifiers(String name, String raw, int max) {
        return list(name, raw, max, "names", part -> identifier(name, part));
    }

    private static <T> java.util.List<T> list(String name, String raw, int max, String what,
                                              java.util.function.Function<String, T> parse) {
        String[] parts = raw == null ? new String[0] : raw.split(",", -1);
        if (raw == null || raw.isBlank() || parts.length > max) {
            throw ProblemException.badRequest(name, "must list 1 to " + max + " " + what + ", separated by commas");
        }
        java.util.LinkedHashSet<T> values = new java.util.LinkedHashSet<>();
        for (String part : parts) {
            values.add(parse.apply(part.strip()));
        }
        return java.util.List.copyOf(values);
    }

    /** An optional whole number between {@code min} and {@code max}, {@code fallback} when absent. */
    public static int intBetween(String name, String raw, int fallback, int min, int max) {
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.strip());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ProblemException.badRequest(name, "must be a whole number from " + min + " to " + max + ", not '"
                + shorten(raw) + "'");
    }

    /** An {@link #IDENTIFIER}. */
    public static String identifier(String name, String raw) {
        if (raw == null || !IDENTIFIER_PATTERN.matcher(raw).matches()) {
            throw ProblemException.badRequest(name, IDENTIFIER_RULE);
        }
        return raw;
    }

    /** Echoes the offending input, but never a megabyte of it. */
    private static String shorten(String raw) {
        return raw.length() <= 40 ? raw : raw.substring(0, 40) + "…";
    }
}
