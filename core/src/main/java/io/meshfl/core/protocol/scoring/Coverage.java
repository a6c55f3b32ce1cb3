package io.meshfl.core.protocol.scoring;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which domains' parts of a model were present for each scored row: the requester's own part
 * always, another domain's only where it knows the row's entity.
 */
public record Coverage(List<String> domains, Map<String, boolean[]> present, int rows) {

    public Coverage {
        domains = List.copyOf(domains);
        present = Map.copyOf(present);
    }

    /** Every part present on every row: a scoring over the rows all parties share. */
    public static Coverage full(List<String> domains, int rows) {
        Map<String, boolean[]> p = new LinkedHashMap<>();
        for (String d : domains) {
            boolean[] all = new boolean[rows];
            java.util.Arrays.fill(all, true);
            p.put(d, all);
        }
        return new Coverage(domains, p, rows);
    }

    public boolean has(String domain, int row) {
        boolean[] p = present.get(domain);
        return p == null || p[row];
    }

    /** Whether every part was present on {@code row}. */
    public boolean complete(int row) {
        for (boolean[] p : present.values()) if (!p[row]) return false;
        return true;
    }

    /** How many parts were present on {@code row}. */
    public int count(int row) {
        int n = 0;
        for (String d : domains) if (has(d, row)) n++;
        return n;
    }

    /** Per domain, the rows its part was present on; and the rows with every part. */
    public Map<String, Double> counts() {
        Map<String, Double> out = new LinkedHashMap<>();
        int complete = 0;
        for (int i = 0; i < rows; i++) if (complete(i)) complete++;
        out.put("rows_complete", (double) complete);
        for (String d : domains) {
            int n = 0;
            for (int i = 0; i < rows; i++) if (has(d, i)) n++;
            out.put("rows_with:" + d, (double) n);
        }
        return out;
    }
}
