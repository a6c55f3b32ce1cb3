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
    static JavaPairRDD<Long, String> column(SparkSession spark, DataContract c, String column) {
        Server.Files found = c.server().files();
        if (!found.unmatched().isEmpty() || found.files().isEmpty()) {
            throw new MeshflException(ErrorCode.DATA_MISSING_FILE, "product " + c.id() + ": its data files (servers[0] of its contract) do not "
                    + "all exist on the node of domain " + c.domain());
        }
        JavaPairRDD<Long, String> all = null;
        long offset = 0;
        for (Path f : found.files()) {
            Dataset<Row> d = c.server().type() == Server.Type.CSV
                    ? spark.read().option("header", "true").option("inferSchema", "false").csv(f.toString())
                    : spark.read().parquet(f.toString());
            if (!Arrays.asList(d.columns()).contains(column)) {
                throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "product " + c.id() + ": a data file of its has no column '" + column
                        + "' (file " + (found.files().indexOf(f) + 1) + " of " + found.files().size() + ")");
            }
            long base = offset;
            // zipWithIndex numbers rows in partition order, which for one file is file order
            JavaPairRDD<Long, String> rows = d.select(column).javaRDD()
                    .map(r -> r.isNullAt(0) ? null : blankToNull(CellValues.keyString(r.get(0))))
                    .zipWithIndex().mapToPair(t -> new Tuple2<>(t._2() + base, t._1()));
            offset += rows.count();
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
