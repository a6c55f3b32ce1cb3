package io.meshfl.core.protocol;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A fallback model's predictions merged into the rows another model left unscored: both files
 * are the requester's own, written in the same run; the fallback's file is removed once merged.
 */
final class FallbackScores {

    private FallbackScores() {
    }

    /**
     * Fills each NaN row of {@code pred} ({@code outputs} per row, in the order of {@code keys}) with
     * the fallback's scores of the same entity; returns per row the fallback's model name and version
     * where it filled one, else null.
     */
    static String[][] merge(Path file, String[] keys, double[] pred, int outputs) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
            Files.delete(file);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "the fallback model's predictions of this run are not readable: " + e.getMessage(), e);
        }
        List<String> head = List.of(lines.get(0).split(",", -1));
        int model = head.indexOf("model"), version = head.indexOf("model_version"), first = outputs == 1 ? head.indexOf("prediction") : head.indexOf("p_0");
        if (model < 0 || version < 0 || first < 0 || (outputs > 1 && !head.contains("p_" + (outputs - 1)))) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the fallback model's predictions do not have " + outputs + " score(s) per row");
        }
        Map<String, String[]> byKey = new HashMap<>(lines.size() * 2);
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",", -1);
            if (!f[first].isEmpty()) byKey.put(f[0], f);
        }
        String[][] by = new String[keys.length][];
        for (int i = 0; i < keys.length; i++) {
            if (!Double.isNaN(pred[i * outputs]) || keys[i] == null) continue;
            String[] f = byKey.get(keys[i]);
            if (f == null) continue;
            for (int c = 0; c < outputs; c++) pred[i * outputs + c] = Double.parseDouble(f[first + c]);
            by[i] = new String[]{f[model], f[version]};
        }
        return by;
    }
}
