package io.meshfl.engine.spark;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.Server;
import io.meshfl.core.data.CellValues;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A file product's rows as Spark reads them, numbered as the node's own reader numbers them: the
 * files its contract names in name order, each in file order, so a row index means the same row to
 * every engine (the aligned rows of an alignment index the rows the training steps read).
 */
final class SparkProducts {

    private SparkProducts() {
    }

    /** Whether Spark reads this product here: CSV and Parquet files; a database table stays with the node's own reader. */
    static boolean readsHere(DataContract c) {
        return c.server() != null && c.server().isFiles();
    }

    /**
     * One column of the product as (row index, value as the node's reader renders a key: {@link CellValues#keyString}, null
     * when empty), in row order; never collected. A column the data lacks is an error naming the product and column.
     */
    static JavaPairRDD<Long, String> column(SparkSession spark, DataContract c, String column, java.util.function.Consumer<String> log) {
        return rows(spark, c, List.of(column), log).mapValues(r -> r.isNullAt(0) ? null : blankToNull(CellValues.keyString(r.get(0))));
    }

    /**
     * The product's rows as (row index, the cells of {@code columns} in that order, as Spark reads them: text for CSV, the
     * file's types for Parquet), in row order; never collected. Each file's row count must be the node's reader's.
     */
    static JavaPairRDD<Long, Row> rows(SparkSession spark, DataContract c, List<String> columns, java.util.function.Consumer<String> log) {
        Server.Files found = c.server().files();
        if (!found.unmatched().isEmpty() || found.files().isEmpty()) {
            throw new MeshflException(ErrorCode.DATA_MISSING_FILE, "product " + c.id() + ": its data files (servers[0] of its contract) do not "
                    + "all exist on the node of domain " + c.domain());
        }
        JavaPairRDD<Long, Row> all = null;
        long offset = 0;
        int n = found.files().size();
        org.apache.spark.sql.Column[] cols = columns.stream().map(org.apache.spark.sql.functions::col).toArray(org.apache.spark.sql.Column[]::new);
        for (int k = 0; k < n; k++) {
            Path f = found.files().get(k);
            CsvAgreement csv = c.server().type() == Server.Type.CSV ? CsvAgreement.sniff(f, c.id(), k + 1, n) : null;
            boolean whole = false;
            JavaPairRDD<Long, Row> rows;
            long count;
            while (true) {
                Dataset<Row> d = csv != null ? csv.reader(spark, whole).csv(f.toString()) : spark.read().parquet(f.toString());
                for (String column : columns) {
                    if (!Arrays.asList(d.columns()).contains(column)) {
                        throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "product " + c.id() + ": a data file of its has no column '" + column
                                + "' (file " + (k + 1) + " of " + n + ")");
                    }
                }
                long base = offset;
                // zipWithIndex numbers rows in partition order, which for one file is file order
                rows = d.select(cols).javaRDD().zipWithIndex().mapToPair(t -> new Tuple2<>(t._2() + base, t._1()));
                count = rows.count();
                if (csv == null || count == csv.rows()) break;
                if (whole) {
                    throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "product " + c.id() + ": file " + (k + 1) + " of " + n + " has " + csv.rows()
                            + " rows to the node's reader and " + count + " to Spark, so a row number would not name the same row on both; "
                            + "the node's own engine reads it");
                }
                log.accept("engine spark (" + c.id() + "): file " + (k + 1) + " of " + n + " has quoted values spanning lines (Spark, line by line, "
                        + "finds " + count + " records, the node's reader " + csv.rows() + " rows): Spark reads it whole, in one task");
                whole = true;
            }
            offset += count;
            all = all == null ? rows : all.union(rows);
        }
        return all;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** The files, for messages that stay on the node. */
    static List<Path> files(DataContract c) {
        return c.server().files().files();
    }
}
