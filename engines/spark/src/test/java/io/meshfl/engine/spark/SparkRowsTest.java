package io.meshfl.engine.spark;

import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.crypto.paillier.Encryptor;
import io.meshfl.core.crypto.paillier.PaillierKeyPair;
import io.meshfl.core.data.AlignedRows;
import io.meshfl.core.data.ColumnStats;
import io.meshfl.core.data.ProductReader;
import io.meshfl.core.data.Standardizer;
import io.meshfl.core.testing.CustomerContracts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A party's aligned rows read onto Spark's executors are the rows the node's own reader reads, and the
 * arithmetic on them gives what the node's JVM gives: the same labels, columns, sums and scores (the
 * same doubles), exactly the same ciphertext products, bins and encrypted histograms; a bad cell
 * anywhere in the product is refused in the node reader's own words and place.
 */
class SparkRowsTest {

    @TempDir
    static Path dir;

    private static SparkEngine engine;
    private static SparkRowsReader reader;
    private static DataContract parts;
    private static DataContract parquet;
    private static final int ROWS = 5_000;
    private static final List<String> FEATURES = List.of("a", "b", "flag");

    private static DataContract product(String name, String server, String meshfl) throws Exception {
        Path f = dir.resolve(name + ".yaml");
        Files.writeString(f, CustomerContracts.yaml(name, CustomerContracts.PII_KEY + "      - {name: target, logicalType: integer}\n"
                        + "      - {name: a, logicalType: number}\n      - {name: b, logicalType: number}\n      - {name: flag, logicalType: boolean}\n",
                "  label: target\n" + meshfl).replace("{server: local, type: csv, path: " + name + ".csv}", server));
        return ContractLoader.load(f);
    }

    /** Rows {@code from..to} of the generated customers; every 13th {@code b} is empty (imputed by the product's mean). */
    private static String csv(int from, int to, boolean empties) {
        Random r = new Random(from);
        StringBuilder s = new StringBuilder("cid,target,a,b,flag\n");
        for (int i = from; i < to; i++) {
            s.append("C").append(i).append(',').append(r.nextInt(2)).append(',').append(String.format(Locale.ROOT, "%.6f", r.nextGaussian() * 3 + 1))
                    .append(',').append(empties && i % 13 == 0 ? "" : String.format(Locale.ROOT, "%.4f", r.nextDouble() * 100))
                    .append(',').append(r.nextBoolean()).append('\n');
        }
        return s.toString();
    }

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(dir.resolve("parts"));
        for (int p = 0; p < 3; p++) Files.writeString(dir.resolve("parts").resolve("part-" + p + ".csv"), csv(p * ROWS / 3, (p + 1) * ROWS / 3, true));
        parts = product("parts", "{server: local, type: csv, path: 'parts/part-*.csv'}", "  imputation: {strategy: mean}\n");
        Files.writeString(dir.resolve("whole.csv"), csv(0, ROWS, false));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            st.execute("COPY (SELECT * FROM read_csv('" + dir.resolve("whole.csv") + "', header=true)) TO '" + dir.resolve("whole.parquet")
                    + "' (FORMAT PARQUET)");
        }
        parquet = product("whole", "{server: local, type: parquet, path: whole.parquet}", "");
        engine = new SparkEngine("test", List.of(parts, parquet), Map.of(SparkEngine.PARTITION_ROWS, "700"), l -> { });
        reader = new SparkRowsReader(engine);
    }

    @AfterAll
    static void stop() {
        if (engine != null) engine.close();
    }

    /** An alignment's choice: a shuffled subset of the product's rows. */
    private static int[] aligned(int n, long seed) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) all.add(i);
        Collections.shuffle(all, new Random(seed));
        return all.subList(0, n).stream().mapToInt(Integer::intValue).toArray();
    }

    private static AlignedRows own(DataContract c, int[] rows) {
        return own(c, rows, "target");
    }

    private static AlignedRows own(DataContract c, int[] rows, String label) {
        return AlignedRows.of(ProductReader.readRows(c, FEATURES, label, rows));
    }

    @Test
    void theRowsTheirSumsAndScoresAreTheNodeReadersOverCsvPartsWithImputedCells() {
        int[] rows = aligned(3_100, 1);
        try (AlignedRows spark = reader.read(parts, FEATURES, "target", rows); AlignedRows own = own(parts, rows)) {
            assertTrue(spark instanceof SparkRows, "kept on the executors");
            assertEquals(own.rows(), spark.rows());
            assertArrayEquals(own.y(), spark.y());
            // the imputed cells too: both engines sum the product's columns exactly, so its means are the same doubles
            for (int j = 0; j < FEATURES.size(); j++) assertArrayEquals(own.column(j, 2_000), spark.column(j, 2_000), FEATURES.get(j));
            ColumnStats a = own.stats(2_500), b = spark.stats(2_500);
            assertArrayEquals(a.count(), b.count());
            assertArrayEquals(a.sum(), b.sum());
            assertArrayEquals(a.sumSq(), b.sumSq());
            Standardizer z = Standardizer.from(a);
            try (AlignedRows sOwn = own.scaled(z); AlignedRows sSpark = spark.scaled(z)) {
                double[] w = {0.5, -1.25, 2.0, 0.1, 0.2, -0.3};
                double[] bias = {0.75, -0.5};
                int[] batch = {17, 3_099, 0, 1_400, 700, 699, 2_222};
                assertArrayEquals(sOwn.scores(batch, w, bias, 2), sSpark.scores(batch, w, bias, 2));
                assertArrayEquals(sOwn.scores(null, w, null, 2), sSpark.scores(null, w, null, 2));
            }
        }
        // closed rows leave nothing cached on the executors
        assertTrue(engine.context().getPersistentRDDs().isEmpty(), engine.context().getPersistentRDDs().toString());
    }

    @Test
    void theCiphertextProductsOfABatchAreExactlyTheNodesOverAParquetFile() {
        int[] rows = aligned(2_000, 2);
        PaillierKeyPair keys = PaillierKeyPair.generate(1024, new SecureRandom());
        Random r = new Random(3);
        int[] batch = new int[300];
        for (int i = 0; i < batch.length; i++) batch[i] = r.nextInt(rows.length);
        BigInteger[] c = new BigInteger[batch.length];
        try (Encryptor enc = new Encryptor(keys.pub(), new SecureRandom())) {
            for (int i = 0; i < c.length; i++) c[i] = enc.encrypt(BigInteger.valueOf(r.nextInt(1_000_000) - 500_000).mod(keys.pub().n()));
        }
        try (AlignedRows spark = reader.read(parquet, FEATURES, "target", rows); AlignedRows own = own(parquet, rows)) {
            assertTrue(spark instanceof SparkRows);
            for (int j = 0; j < FEATURES.size(); j++) assertArrayEquals(own.column(j, rows.length), spark.column(j, rows.length), FEATURES.get(j));
            BigInteger[] expected = own.cipherSums(batch, c, keys.pub(), 16, true);
            assertArrayEquals(expected, spark.cipherSums(batch, c, keys.pub(), 16, true));
            assertEquals(FEATURES.size() + 1, expected.length);
            // and they decrypt to the sums of the plaintexts weighted by the encoded values
            io.meshfl.core.crypto.paillier.Decryptor dec = new io.meshfl.core.crypto.paillier.Decryptor(keys.priv());
            io.meshfl.core.crypto.paillier.FixedPoint fp = new io.meshfl.core.crypto.paillier.FixedPoint(keys.pub(), 16);
            BigInteger n = keys.pub().n();
            for (int j = 0; j < FEATURES.size(); j++) {
                double[] col = own.column(j, rows.length);
                BigInteger plain = BigInteger.ZERO;
                for (int i = 0; i < batch.length; i++) plain = plain.add(dec.decrypt(c[i]).multiply(BigInteger.valueOf(fp.encodeLong(col[batch[i]]))));
                assertEquals(plain.mod(n), dec.decrypt(expected[j]), FEATURES.get(j));
            }
        }
    }

    @Test
    void binnedRowsGiveTheNodesSplitsAndExactlyItsEncryptedHistogramsAfterAConcatenation() {
        int[] first = aligned(1_500, 4), then = aligned(400, 5);
        PaillierKeyPair keys = PaillierKeyPair.generate(1024, new SecureRandom());
        Random r = new Random(6);
        try (AlignedRows a = reader.read(parts, FEATURES, null, first); AlignedRows b = reader.read(parquet, FEATURES, null, then);
             AlignedRows spark = a.concat(b); AlignedRows own = own(parts, first, null).concat(own(parquet, then, null))) {
            assertEquals(1_900, spark.rows());
            io.meshfl.core.model.tree.QuantileBins bins = io.meshfl.core.model.tree.QuantileBins.fit(own, 1_500, 16);
            assertArrayEquals(bins.thresholds(), io.meshfl.core.model.tree.QuantileBins.fit(spark, 1_500, 16).thresholds());
            BigInteger[] c = new BigInteger[spark.rows()];
            try (Encryptor enc = new Encryptor(keys.pub(), new SecureRandom())) {
                for (int i = 0; i < c.length; i++) c[i] = enc.encrypt(BigInteger.valueOf(r.nextInt(1 << 20)));
            }
            try (io.meshfl.core.data.BinnedRows sb = spark.binned(bins.thresholds()); io.meshfl.core.data.BinnedRows ob = own.binned(bins.thresholds());
                 io.meshfl.core.data.BinnedRows.Sums ss = sb.sums(keys.pub(), c); io.meshfl.core.data.BinnedRows.Sums os = ob.sums(keys.pub(), c)) {
                int[] node = new int[700];
                for (int i = 0; i < node.length; i++) node[i] = r.nextInt(spark.rows());
                int[][] sets = {node, {5, 1_899, 1_500}, {}};
                int[] columns = {0, 1, 2};
                BigInteger[][][] expected = os.of(sets, columns, 16), got = ss.of(sets, columns, 16);
                for (int s = 0; s < sets.length; s++) {
                    for (int j = 0; j < columns.length; j++) assertArrayEquals(expected[s][j], got[s][j], "set " + s + " column " + j);
                }
                for (int f = 0; f < FEATURES.size(); f++) assertArrayEquals(ob.atMost(f, 3, node), sb.atMost(f, 3, node), FEATURES.get(f));
            }
        }
    }

    @Test
    void aBadCellOutsideTheAlignedRowsIsRefusedInTheNodeReadersWordsWithoutItsValue() throws Exception {
        String text = csv(0, 400, false).replace("\nC250,", "\nC250,").split("\n", -1)[0] + "\n";
        StringBuilder s = new StringBuilder(text);
        String[] lines = csv(0, 400, false).split("\n");
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (i == 251) line = line.replaceFirst(",[^,]*,([^,]*),([^,]*)$", ",secret-value,$1,$2");
            s.append(line).append('\n');
        }
        Files.writeString(dir.resolve("bad.csv"), s);
        DataContract bad = product("bad", "{server: local, type: csv, path: bad.csv}", "");
        int[] rows = {0, 1, 2, 3};
        MeshflException own = assertThrows(MeshflException.class, () -> ProductReader.readRows(bad, FEATURES, "target", rows));
        MeshflException spark = assertThrows(MeshflException.class, () -> reader.read(bad, FEATURES, "target", rows));
        assertEquals(own.code(), spark.code());
        assertEquals(own.getMessage(), spark.getMessage());
        assertTrue(spark.getMessage().contains("column 'a'") && spark.getMessage().contains("line 252"), spark.getMessage());
        assertFalse(spark.getMessage().contains("secret-value"), spark.getMessage());
        // an aligned row beyond the product: it changed since its alignment
        int[] beyond = {3, ROWS + 7};
        MeshflException ownBeyond = assertThrows(MeshflException.class, () -> ProductReader.readRows(parquet, FEATURES, "target", beyond));
        MeshflException sparkBeyond = assertThrows(MeshflException.class, () -> reader.read(parquet, FEATURES, "target", beyond));
        assertEquals(ownBeyond.getMessage(), sparkBeyond.getMessage());
    }

    @Test
    void aDatabaseTableOrEveryRowIsLeftToTheNode() {
        assertNull(reader.read(parts, FEATURES, "target", null));
    }
}
