package io.meshfl.engine.spark;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.Imputation;
import io.meshfl.core.contract.LogicalType;
import io.meshfl.core.contract.Property;
import io.meshfl.core.data.CellErrors;
import io.meshfl.core.data.CellValues;
import org.apache.spark.sql.Row;

import java.io.Serializable;
import java.util.List;

/**
 * The node reader's rules for a row's cells, run on the executors: the entity key must not be blank,
 * each feature converts to its declared type, an empty or NaN feature is refused when the column is
 * required or the product imputes nothing, takes the product's constant, or waits for the mean of the
 * whole product; infinite values and empty labels are refused. A fault is kept with its row, and the
 * driver raises the first one in row order with the node reader's own words and place.
 */
final class CellRules implements Serializable {

    /** A cell at fault; {@code value} (for a cell of the wrong type) goes only into the detail that stays on the node. */
    record Problem(long row, String column, ErrorCode code, String what, String value) implements Serializable {

        MeshflException raise(DataContract c, LogicalType type) {
            String detail = value == null ? null : "value '" + value + "' is not of the declared type " + type;
            return CellErrors.at(c, code, row, column, what, detail);
        }
    }

    /** Thrown by {@link #convert} and kept by whoever reads the rows. */
    static final class Fault extends RuntimeException {
        final Problem problem;

        Fault(Problem problem) {
            super(problem.what(), null, false, false);
            this.problem = problem;
        }
    }

    private final String key;
    private final String[] features;
    private final LogicalType[] types;
    private final boolean[] required;
    private final Imputation.Strategy strategy;
    private final double constant;
    private final String label;
    private final LogicalType labelType;

    CellRules(DataContract c, List<String> features, String label) {
        this.key = c.policy().entityKey();
        this.features = features.toArray(String[]::new);
        this.types = new LogicalType[features.size()];
        this.required = new boolean[features.size()];
        for (int j = 0; j < types.length; j++) {
            Property p = c.property(features.get(j)).orElseThrow();
            types[j] = p.logicalType();
            required[j] = p.required();
        }
        this.strategy = c.policy().imputation().strategy();
        this.constant = c.policy().imputation().value();
        this.label = label;
        this.labelType = label == null ? null : c.property(label).orElseThrow().logicalType();
    }

    /** The columns a row is read with: the entity key (when declared), the features, the label (when read). */
    List<String> columns() {
        List<String> out = new java.util.ArrayList<>();
        if (key != null) out.add(key);
        out.addAll(List.of(features));
        if (label != null) out.add(label);
        return out;
    }

    int features() {
        return features.length;
    }

    boolean mean() {
        return strategy == Imputation.Strategy.MEAN;
    }

    /** The declared type of a column, for a problem's detail. */
    LogicalType type(String column) {
        for (int j = 0; j < features.length; j++) if (features[j].equals(column)) return types[j];
        return labelType;
    }

    /**
     * Row {@code row}'s features then its label (when read), a feature left NaN when it waits for the product's mean;
     * a cell at fault is a {@link Fault}.
     */
    double[] convert(long row, Row r) {
        int at = 0;
        if (key != null) {
            Object k = r.get(at++);
            String s = k == null ? null : CellValues.keyString(k);
            if (s == null || s.isBlank()) throw fault(row, key, ErrorCode.DATA_BAD_VALUE, "the entity key is empty", null);
        }
        int d = features.length;
        double[] out = new double[d + (label == null ? 0 : 1)];
        for (int j = 0; j < d; j++) {
            Object o = r.get(at++);
            double v = value(row, features[j], types[j], o);
            if (Double.isNaN(v)) {
                if (required[j]) throw fault(row, features[j], ErrorCode.DATA_BAD_VALUE, "empty or NaN cell in a column declared required", null);
                switch (strategy) {
                    case NONE -> throw fault(row, features[j], ErrorCode.DATA_BAD_VALUE,
                            "empty or NaN cell and meshfl.imputation is none (use mean or constant to fill it)", null);
                    case CONSTANT -> v = constant;
                    case MEAN -> {
                    }
                }
            } else if (Double.isInfinite(v)) {
                throw fault(row, features[j], ErrorCode.DATA_BAD_VALUE, "infinite value", null);
            }
            out[j] = v;
        }
        if (label != null) {
            double v = value(row, label, labelType, r.get(at));
            if (Double.isNaN(v)) throw fault(row, label, ErrorCode.DATA_BAD_VALUE, "an empty or NaN label", null);
            if (Double.isInfinite(v)) throw fault(row, label, ErrorCode.DATA_BAD_VALUE, "an infinite label", null);
            out[d] = v;
        }
        return out;
    }

    private static double value(long row, String column, LogicalType type, Object o) {
        try {
            return CellValues.toDouble(o, type);
        } catch (NumberFormatException e) {
            throw fault(row, column, ErrorCode.DATA_WRONG_TYPE, CellValues.problem(o, type), String.valueOf(o));
        }
    }

    private static Fault fault(long row, String column, ErrorCode code, String what, String value) {
        return new Fault(new Problem(row, column, code, what, value));
    }
}
