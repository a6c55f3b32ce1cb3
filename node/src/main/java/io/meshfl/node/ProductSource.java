package io.meshfl.node;

import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.data.ProductReader;

import java.util.List;

/** Where a node's rows come from once its policy checks have passed. */
@FunctionalInterface
public interface ProductSource {

    Dataset read(DataContract contract, List<String> features, String label);

    /** The location the contract declares (CSV, Parquet or JDBC), read through the embedded engine. */
    ProductSource FILES = ProductReader::read;
}
