package io.meshfl.node;

import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.data.ProductReader;

import java.util.List;

/** Where a node's rows come from once its policy checks have passed. */
@FunctionalInterface
public interface ProductSource {

    Dataset read(DataContract contract, List<String> features, String label);

    /** Rows {@code rows} in that order (every row when null); a source that can leaves the entity keys out. */
    default Dataset readRows(DataContract contract, List<String> features, String label, int[] rows) {
        Dataset all = read(contract, features, label);
        return rows == null ? all : all.select(rows);
    }

    /** The location the contract declares (CSV, Parquet or JDBC), read through the embedded engine, keeping only the rows asked for. */
    ProductSource FILES = new ProductSource() {
        @Override
        public Dataset read(DataContract contract, List<String> features, String label) {
            return ProductReader.read(contract, features, label);
        }

        @Override
        public Dataset readRows(DataContract contract, List<String> features, String label, int[] rows) {
            return ProductReader.readRows(contract, features, label, rows);
        }
    };
}
