package io.meshfl.core.data;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.NameHints;
import io.meshfl.core.contract.Property;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reading a product's key columns and checking that a primary key is unique. */
final class KeyReader {

    private KeyReader() {
    }

    /** See {@link ProductReader#readKeys}. */
    static String[] readKeys(DataContract c, String column) {
        Property p = c.property(column).orElseThrow(() -> new MeshflException(ErrorCode.DATA_MISSING_COLUMN, "product " + c.id()
                + " declares no column '" + column + "'" + NameHints.hint(column, c.columns())));
        try (SourceConnection src = SourceConnection.open(c)) {
            List<String> out = new ArrayList<>();
            try (ResultSet rs = src.select(List.of(p))) {
                while (rs.next()) {
                    Object o = rs.getObject(1);
                    String v = o == null ? null : o.toString();
                    out.add(v == null || v.isBlank() ? null : v);
                }
            } catch (SQLException e) {
                throw ReadErrors.engine(ErrorCode.DATA_BAD_VALUE, src, "read column '" + column + "' of", e);
            }
            if (out.isEmpty()) throw ReadErrors.empty(src);
            return out.toArray(new String[0]);
        }
    }

    /**
     * Fails on the second row of the first repeated key, naming both rows' lines; the key itself
     * is an entity's identity and stays in the local detail.
     */
    static void checkUnique(SourceConnection src, String keyCol, String[] keys) {
        String[] sorted = keys.clone();
        Arrays.sort(sorted);
        for (int i = 1; i < sorted.length; i++) {
            if (!sorted[i].equals(sorted[i - 1])) continue;
            String dup = sorted[i];
            int first = -1;
            for (int r = 0; r < keys.length; r++) {
                if (!keys[r].equals(dup)) continue;
                if (first < 0) {
                    first = r;
                } else {
                    String what = "duplicate value of a primary key column (first at " + src.where(first) + ")";
                    throw ReadErrors.cell(ErrorCode.DATA_BAD_VALUE, src, r, keyCol, what, "the repeated value is '" + dup + "'");
                }
            }
        }
    }
}
