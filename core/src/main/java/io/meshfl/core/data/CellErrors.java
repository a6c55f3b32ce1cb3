package io.meshfl.core.data;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;

/**
 * The node reader's errors about a product's cells and rows, for an engine that reads the product
 * elsewhere and finds the fault: the same words and the same place (file, line or row, column), the
 * cell's value only in the detail that stays on the node.
 */
public final class CellErrors {

    private CellErrors() {
    }

    /** Data row {@code row} (0-based over the product's files) of column {@code column}: {@code what}; {@code detail} stays local. */
    public static MeshflException at(DataContract c, ErrorCode code, long row, String column, String what, String detail) {
        try (SourceConnection src = SourceConnection.open(c)) {
            return ReadErrors.cell(code, src, row, column, what, detail);
        }
    }

    /** The product as a whole: {@code what}. */
    public static MeshflException product(DataContract c, String what) {
        return ReadErrors.product(ErrorCode.DATA_BAD_VALUE, c, what, null);
    }

    /** Aligned rows beyond the product's {@code rows}: it changed since its alignment. */
    public static MeshflException fewerRows(DataContract c, long rows, long askedRow) {
        return product(c, "it has " + rows + " rows, fewer than the aligned row " + (askedRow + 1) + " asks for: the product changed since its entity alignment");
    }

    /** Column {@code column} of a product that imputes empty cells by their column's mean has no value at all. */
    public static MeshflException noMean(DataContract c, String column) {
        return product(c, "column '" + column + "': every cell is empty or NaN, so there is no mean to impute");
    }

    /** A product without a data row. */
    public static MeshflException empty(DataContract c) {
        try (SourceConnection src = SourceConnection.open(c)) {
            return ReadErrors.empty(src);
        }
    }
}
