package io.cachepatterns.profile.account.service;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a password must be (NIST SP 800-63B's advice: length, and not a known-bad password, rather than character
 * classes): 12 to 72 bytes (bcrypt ignores what follows the 72nd), and not made of a common word, a keyboard or
 * alphabet run, or a repeated chunk, padded with digits and symbols. {@code password1234}, {@code 1234567890ab} and
 * {@code qwertyuiop12} are refused; a passphrase of a few words is not.
 */
public final class PasswordPolicy {

    public static final int MIN_LENGTH = 12;
    public static final int MAX_BYTES = 72;
    private static final int MIN_REMAINDER = 6;
    private static final int MIN_RUN = 4;
    /** Runs a keyboard or a counter makes, read both ways. */
    private static final String[] RUNS = {"qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890", "0987654321",
            "abcdefghijklmnopqrstuvwxyz", "azertyuiop", "qwertzuiop", "1qaz2wsx3edc4rfv", "zaq12wsxcde3"};
    private static final Set<String> COMMON = load("/passwords/common-words.txt");

    private PasswordPolicy() {
    }

    /** Why {@code password} is refused, or empty when it is acceptable. */
    public static Optional<String> problem(String password) {
        if (password.codePointCount(0, password.length()) < MIN_LENGTH) {
            return Optional.of("must be at least " + MIN_LENGTH + " characters long");
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return Optional.of("must be at most " + MAX_BYTES + " bytes long (bcrypt ignores the rest)");
        }
        String core = undoSwaps(trimPadding(withoutRuns(password.toLowerCase(Locale.ROOT))));
        if (core.length() < MIN_REMAINDER || isRepetition(core) || COMMON.contains(core)
                || COMMON.contains(trimPadding(core)) || isRepetition(password.toLowerCase(Locale.ROOT))) {
            return Optional.of("is too easy to guess: a common word, a keyboard run or a repetition with some digits"
                    + " or symbols; try a few unrelated words");
        }
        return Optional.empty();
    }

    /** Takes out every stretch of four or more characters that follows a keyboard row or a counter. */
    static String withoutRuns(String text) {
        StringBuilder left = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            int run = longestRunAt(text, i);
            if (run >= MIN_RUN) {
                i += run;
            } else {
                left.append(text.charAt(i));
                i++;
            }
        }
        return left.toString();
    }

    private static int longestRunAt(String text, int start) {
        int best = 0;
        for (String run : RUNS) {
            for (String direction : new String[] {run, new StringBuilder(run).reverse().toString()}) {
                int from = direction.indexOf(text.charAt(start));
                while (from >= 0) {
                    int length = 0;
                    while (start + length < text.length() && from + length < direction.length()
                            && text.charAt(start + length) == direction.charAt(from + length)) {
                        length++;
                    }
                    best = Math.max(best, length);
                    from = direction.indexOf(text.charAt(start), from + 1);
                }
            }
        }
        // The same character again and again is a run too.
        int same = 1;
        while (start + same < text.length() && text.charAt(start + same) == text.charAt(start)) {
            same++;
        }
        return Math.max(best, same);
    }

    /** Digits and symbols at either end: {@code !!password2024} → {@code password}. */
    static String trimPadding(String text) {
        int from = 0;
        int to = text.length();
        while (from < to && !Character.isLetter(text.charAt(from))) {
            from++;
        }
        while (to > from && !Character.isLetter(text.charAt(to - 1))) {
            to--;
        }
        return text.substring(from, to);
    }

    /** {@code p@ssw0rd} → {@code password}. */
    static String undoSwaps(String text) {
        return text.replace('0', 'o').replace('1', 'i').replace('3', 'e').replace('4', 'a').replace('5', 's')
                .replace('7', 't').replace('@', 'a').replace('$', 's').replace('!', 'i');
    }

    /** {@code abcabcabc}, {@code hellohello}: a chunk said again. */
    static boolean isRepetition(String text) {
        for (int unit = 1; unit <= text.length() / 2; unit++) {
            if (text.length() % unit == 0 && text.substring(0, unit).repeat(text.length() / unit).equals(text)) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> load(String resource) {
        try (InputStream in = PasswordPolicy.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no word list at " + resource);
            }
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                    .map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#"))
                    .collect(Collectors.toUnmodifiableSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
