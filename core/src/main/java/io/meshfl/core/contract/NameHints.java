package io.meshfl.core.contract;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** Finds the known name closest to a misspelt one, for "did you mean" hints. */
public final class NameHints {

    private NameHints() {
    }

    /** The candidate nearest to {@code name} by edit distance, if it is close enough to be a likely typo. */
    public static Optional<String> nearest(String name, Collection<String> candidates) {
        String best = null;
        int bestDist = Integer.MAX_VALUE;
        String n = name.toLowerCase(Locale.ROOT);
        for (String c : candidates) {
            int d = distance(n, c.toLowerCase(Locale.ROOT));
            if (d < bestDist) {
                bestDist = d;
                best = c;
            }
        }
        int limit = Math.max(2, name.length() / 3);
        return best != null && bestDist <= limit ? Optional.of(best) : Optional.empty();
    }

    /** " (did you mean 'x'?)" or an empty string. */
    public static String hint(String name, Collection<String> candidates) {
        return nearest(name, candidates).map(s -> " (did you mean '" + s + "'?)").orElse("");
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
