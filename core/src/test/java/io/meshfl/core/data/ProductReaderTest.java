package io.meshfl.core.data;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.ContractFixtures;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;

import static io.meshfl.core.contract.ContractFixtures.CONTRACT;
import static io.meshfl.core.contract.ContractFixtures.CSV;
import static io.meshfl.core.contract.ContractFixtures.with;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProductReaderTest {

    @TempDir
    Path dir;

    private DataContract contract(String yaml, String csv) {
        return ContractLoader.load(ContractFixtures.write(dir, yaml, csv));
    }

    private MeshflException fails(ErrorCode code, DataContract c) {
        MeshflException e = assertThrows(MeshflException.class, () -> ProductReader.read(c));
        assertEquals(code, e.code(), e.getMessage());
        return e;
    }

    private static void assertMentions(MeshflException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "expected '" + p + "' in: " + e.getMessage());
        }
    }

    /** The node-only detail holds what the message may not: paths, values, the contract file. */
    private static void assertLocal(MeshflException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.localDetail() != null && e.localDetail().contains(p), "expected '" + p + "' in the local detail: " + e.localDetail());
        }
    }

    private void assertNoPath(MeshflException e) {
        assertFalse(e.getMessage().contains(dir.toString()) || e.getMessage().contains("data.csv"), e.getMessage());
    }

    private String dataFile() {
        return dir.resolve("data.csv").toAbsolutePath().toString();
    }

    @Test
    void readsCsvFeaturesLabelAndKeys() {
        Dataset d = ProductReader.read(contract(CONTRACT, CSV));
        assertEquals(List.of("x0", "x1"), d.features());
        assertEquals(3, d.rows());
        assertArrayEquals(new double[]{0.5, 1.5, -1.0, 2.5, 2.0, 3.5}, d.x());
        assertArrayEquals(new double[]{1, 0, 1}, d.y());
        assertArrayEquals(new String[]{"a", "b", "c"}, d.keys());
    }

    @Test
    void readsRequestedSubsetWithoutLabel() {
        Dataset d = ProductReader.read(contract(CONTRACT, CSV), List.of("x1"), null);
        assertEquals(List.of("x1"), d.features());
        assertArrayEquals(new double[]{1.5, 2.5, 3.5}, d.x());
        assertNull(d.y());
    }

    @Test
    void readsParquetWrittenByDuckDb() throws Exception {
        Path parquet = dir.resolve("data.parquet");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("COPY (SELECT * FROM (VALUES ('a', 1, 0.5::DOUBLE, 1.5::DOUBLE, '111', 40), ('b', 0, -1.0, 2.5, '222', 50))"
                    + " t(id, y, x0, x1, ssn, age)) TO '" + parquet + "' (FORMAT parquet)");
        }
        DataContract c = contract(with(CONTRACT, "type: csv\n    path: data.csv", "type: parquet\n    path: data.parquet"), null);
        Dataset d = ProductReader.read(c);
        assertEquals(2, d.rows());
        assertArrayEquals(new double[]{0.5, 1.5, -1.0, 2.5}, d.x());
        assertArrayEquals(new double[]{1, 0}, d.y());
        assertArrayEquals(new String[]{"a", "b"}, d.keys());
    }

    @Test
    void readsJdbcTableMatchingColumnNamesCaseInsensitively() throws Exception {
        String url = "jdbc:h2:mem:readerTest;DB_CLOSE_DELAY=-1";
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            // Unquoted identifiers become upper case in H2: the reader must still find "x0".
            s.execute("CREATE TABLE patients (id VARCHAR(10), y INT, x0 DOUBLE, x1 DOUBLE, ssn VARCHAR(20), age INT)");
            s.execute("INSERT INTO patients VALUES ('p1', 1, 0.25, 4.0, '1', 30), ('p2', 0, 0.75, 5.0, '2', 31)");
            DataContract contract = contract(with(CONTRACT, "type: csv\n    path: data.csv\n",
                    "type: jdbc\n    url: \"" + url + "\"\n    table: patients\n"), null);
            Dataset d = ProductReader.read(contract);
            assertEquals(2, d.rows());
            assertArrayEquals(new double[]{0.25, 4.0, 0.75, 5.0}, d.x());
            assertArrayEquals(new double[]{1, 0}, d.y());
            assertArrayEquals(new String[]{"p1", "p2"}, d.keys());
            s.execute("DROP TABLE patients");
        }
    }

    @Test
    void jdbcCellOfWrongTypeNamesRowInTheMessageAndTableAndValueOnlyLocally() throws Exception {
        String url = "jdbc:h2:mem:readerWrongType;DB_CLOSE_DELAY=-1;PASSWORD=secret";
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE patients (id VARCHAR(10), y INT, x0 DOUBLE, x1 VARCHAR(10), ssn VARCHAR(20), age INT)");
            s.execute("INSERT INTO patients VALUES ('p1', 1, 0.25, '4.0', '1', 30), ('p2', 0, 0.75, 'oops', '2', 31)");
            DataContract contract = contract(with(CONTRACT, "type: csv\n    path: data.csv\n",
                    "type: jdbc\n    url: \"" + url + "\"\n    table: patients\n"), null);
            MeshflException e = fails(ErrorCode.DATA_WRONG_TYPE, contract);
            assertMentions(e, "clinic-a.breast", "row 2", "column 'x1'", "not a number");
            assertFalse(e.getMessage().contains("oops") || e.getMessage().contains("jdbc:"), e.getMessage());
            assertLocal(e, "table patients at jdbc:h2:mem:readerWrongType row 2", "'oops'");
            assertFalse(e.localDetail().contains("secret"), e.localDetail());
            s.execute("DROP TABLE patients");
        }
    }

    @Test
    void declaredColumnMissingFromFileNamesProductAndColumn() {
        DataContract c = contract(CONTRACT, CSV.replace(",age", ",years"));
        MeshflException e = fails(ErrorCode.DATA_MISSING_COLUMN, c);
        assertMentions(e, "column 'age'", "clinic-a.breast", "CSV file");
        assertNoPath(e);
        assertLocal(e, "contract.yaml", dataFile(), "columns found: id, y, x0");
    }

    @Test
    void wrongTypeNamesProductColumnAndLineAndKeepsFileAndValueLocal() {
        String csv = CSV.replace("c,1,2.0,3.5", "c,1,2.0,abc");
        MeshflException e = fails(ErrorCode.DATA_WRONG_TYPE, contract(CONTRACT, csv));
        assertMentions(e, "line 4", "column 'x1'", "text value", "not a number", "clinic-a.breast");
        assertFalse(e.getMessage().contains("abc"), e.getMessage());
        assertNoPath(e);
        assertLocal(e, dataFile() + " line 4", "value 'abc'");
    }

    @Test
    void nonIntegralValueInIntegerLabelIsWrongType() {
        MeshflException e = fails(ErrorCode.DATA_WRONG_TYPE, contract(CONTRACT, CSV.replace("b,0,", "b,0.5,")));
        assertMentions(e, "line 3", "column 'y'", "fractional number", "not an integer");
        assertLocal(e, "value '0.5'");
    }

    @Test
    void lineNumbersCountBlankLinesAndLineBreaksInsideQuotes() {
        String csv = "id,y,x0,x1,ssn,age\n\"a\nb\",1,0.5,1.5,111,40\n\nb,0,-1.0,2.5,222,50\nc,1,oops,3.5,333,60\n";
        MeshflException e = fails(ErrorCode.DATA_WRONG_TYPE, contract(CONTRACT, csv));
        assertMentions(e, "line 6:", "column 'x0'");
        assertLocal(e, dataFile() + " line 6,", "'oops'");
    }

    @Test
    void emptyFeatureCellFailsWhenImputationIsNone() {
        MeshflException e = fails(ErrorCode.DATA_BAD_VALUE, contract(CONTRACT, CSV.replace("b,0,-1.0,", "b,0,,")));
        assertMentions(e, "line 3", "column 'x0'", "imputation is none");
        assertLocal(e, dataFile() + " line 3");
    }

    @Test
    void nanFeatureCellCountsAsMissing() {
        MeshflException e = fails(ErrorCode.DATA_BAD_VALUE, contract(CONTRACT, CSV.replace("c,1,2.0,3.5", "c,1,2.0,NaN")));
        assertMentions(e, "line 4", "column 'x1'");
    }

    @Test
    void meanImputationFillsTheColumnMeanOfPresentValues() {
        String yaml = with(CONTRACT, "{strategy: none}", "{strategy: mean}");
        String csv = CSV.replace("b,0,-1.0,2.5", "b,0,,2.5").replace("c,1,2.0,3.5", "c,1,2.0,nan");
        Dataset d = ProductReader.read(contract(yaml, csv));
        assertArrayEquals(new double[]{0.5, 1.5, 1.25, 2.5, 2.0, 2.0}, d.x(), 1e-12);
    }

    @Test
    void readingOnlyTheAlignedRowsGivesThoseRowsOfAFullReadInTheirOrder() {
        String yaml = with(CONTRACT, "{strategy: none}", "{strategy: mean}");
        String csv = CSV.replace("b,0,-1.0,2.5", "b,0,,2.5").replace("c,1,2.0,3.5", "c,1,2.0,nan");
        DataContract c = contract(yaml, csv);
        Dataset all = ProductReader.read(c);
        int[] rows = {2, 0, 2, 1};
        Dataset some = ProductReader.readRows(c, c.featureColumns(), "y", rows);
        Dataset expected = all.select(rows);
        assertEquals(4, some.rows());
        // the missing cells of row 1 and 2 take the whole product's means (1.25, 2.0), not those of the rows read
        assertArrayEquals(expected.x(), some.x(), 0.0);
        assertArrayEquals(expected.y(), some.y(), 0.0);
        assertNull(some.keys(), "the alignment holds the keys; the rows come without them");
        Dataset labels = ProductReader.readRows(c, List.of(), "y", null);
        assertArrayEquals(all.y(), labels.y(), 0.0);
        assertNull(labels.keys());
    }

    @Test
    void readingOnlySomeRowsStillChecksEveryRowAndRefusesRowsTheProductLacks() {
        DataContract bad = contract(CONTRACT, CSV.replace("c,1,2.0,3.5", "c,1,oops,3.5"));
        MeshflException e = assertThrows(MeshflException.class, () -> ProductReader.readRows(bad, bad.featureColumns(), "y", new int[] {0}));
        assertEquals(ErrorCode.DATA_WRONG_TYPE, e.code(), "a bad cell in a row the alignment left out is still a bad cell");
        assertMentions(e, "line 4", "column 'x0'");
        DataContract c = contract(CONTRACT, CSV);
        MeshflException beyond = assertThrows(MeshflException.class, () -> ProductReader.readRows(c, c.featureColumns(), "y", new int[] {1, 3}));
        assertEquals(ErrorCode.DATA_BAD_VALUE, beyond.code());
        assertMentions(beyond, "it has 3 rows, fewer than the aligned row 4 asks for");
    }

    @Test
    void constantImputationFillsTheGivenValue() {
        String yaml = with(CONTRACT, "{strategy: none}", "{strategy: constant, value: -9}");
        Dataset d = ProductReader.read(contract(yaml, CSV.replace("b,0,-1.0,2.5", "b,0,,2.5")));
        assertArrayEquals(new double[]{0.5, 1.5, -9, 2.5, 2.0, 3.5}, d.x());
    }

    @Test
    void meanImputationOfAnAllEmptyColumnFails() {
        String yaml = with(CONTRACT, "{strategy: none}", "{strategy: mean}");
        String csv = "id,y,x0,x1,ssn,age\na,1,,1,1,1\nb,0,,2,2,2\n";
        assertMentions(fails(ErrorCode.DATA_BAD_VALUE, contract(yaml, csv)), "column 'x0'", "every cell");
    }

    @Test
    void emptyLabelFailsEvenWithImputation() {
        String yaml = with(CONTRACT, "{strategy: none}", "{strategy: mean}");
        MeshflException e = fails(ErrorCode.DATA_BAD_VALUE, contract(yaml, CSV.replace("b,0,", "b,,")));
        assertMentions(e, "line 3", "column 'y'", "label");
        assertLocal(e, dataFile() + " line 3");
    }

    @Test
    void requiredColumnIsNeverImputed() {
        String yaml = with(with(CONTRACT, "{strategy: none}", "{strategy: mean}"),
                "{name: x0, logicalType: number}", "{name: x0, logicalType: number, required: true}");
        MeshflException e = fails(ErrorCode.DATA_BAD_VALUE, contract(yaml, CSV.replace("b,0,-1.0,", "b,0,,")));
        assertMentions(e, "line 3", "column 'x0'", "required");
    }

    @Test
    void labelRequestedFromAProductWithoutLabelFails() {
        DataContract c = contract(with(CONTRACT, "  label: y\n", ""), CSV);
        MeshflException e = assertThrows(MeshflException.class, () -> ProductReader.read(c, List.of("x0"), "y"));
        assertEquals(ErrorCode.DATA_NO_LABEL, e.code());
        assertMentions(e, "clinic-a.breast", "declares no label");
        assertNull(ProductReader.read(c).y(), "the policy read of a label-less product has no y");
    }

    @Test
    void featureNotAllowedByPolicyIsRefused() {
        DataContract c = contract(CONTRACT, CSV);
        MeshflException e = assertThrows(MeshflException.class, () -> ProductReader.read(c, List.of("x0", "age"), "y"));
        assertEquals(ErrorCode.POLICY_VIOLATION, e.code());
        assertMentions(e, "'age'", "clinic-a.breast");
    }

    @Test
    void headerOnlyFileIsEmpty() {
        MeshflException e = fails(ErrorCode.DATA_EMPTY, contract(CONTRACT, "id,y,x0,x1,ssn,age\n"));
        assertMentions(e, "clinic-a.breast", "no data rows");
        assertNoPath(e);
        assertLocal(e, dataFile());
    }

    @Test
    void booleanColumnsBecomeZeroOrOne() {
        String yaml = with(CONTRACT, "{name: x1, logicalType: number}", "{name: x1, logicalType: boolean}");
        String csv = CSV.replace(",1.5,", ",true,").replace(",2.5,", ",FALSE,").replace(",3.5,", ",1,");
        Dataset d = ProductReader.read(contract(yaml, csv));
        assertArrayEquals(new double[]{1, 0, 1}, new double[]{d.get(0, 1), d.get(1, 1), d.get(2, 1)});
        MeshflException e = fails(ErrorCode.DATA_WRONG_TYPE, contract(yaml, csv.replace(",FALSE,", ",maybe,")));
        assertMentions(e, "line 3", "not a boolean");
        assertLocal(e, "'maybe'");
    }

    @Test
    void duplicatePrimaryKeyIsRejectedWithBothLines() {
        MeshflException e = fails(ErrorCode.DATA_BAD_VALUE, contract(CONTRACT, CSV.replace("c,1,", "a,1,")));
        assertMentions(e, "line 4", "column 'id'", "duplicate value", "first at line 2");
        assertLocal(e, "'a'");
    }

    @Test
    void missingDataFileAtReadTimeIsReported() throws Exception {
        DataContract c = contract(CONTRACT, CSV);
        java.nio.file.Files.delete(dir.resolve("data.csv"));
        MeshflException e = fails(ErrorCode.DATA_MISSING_FILE, c);
        assertMentions(e, "clinic-a.breast", "servers[0].path");
        assertNoPath(e);
        assertLocal(e, dataFile());
    }

    @Test
    void validateChecksEveryDeclaredColumn() {
        assertEquals(3, ProductReader.validate(contract(CONTRACT, CSV)));
        // age is not read as a feature, so only validate sees its bad value.
        DataContract c = contract(CONTRACT, CSV.replace(",50\n", ",fifty\n"));
        assertEquals(3, ProductReader.read(c).rows());
        MeshflException e = assertThrows(MeshflException.class, () -> ProductReader.validate(c));
        assertEquals(ErrorCode.DATA_WRONG_TYPE, e.code());
        assertMentions(e, "line 3", "column 'age'", "not an integer");
        assertLocal(e, "'fifty'");
    }

    @Test
    void readsThirtyThousandRowsQuickly() throws Exception {
        StringBuilder sb = new StringBuilder("id,y,x0,x1,ssn,age\n");
        for (int i = 0; i < 30_000; i++) {
            sb.append("k").append(i).append(',').append(i % 2).append(',').append(i * 0.001).append(',')
                    .append(-i * 0.5).append(",s,").append(i % 90).append('\n');
        }
        DataContract c = contract(CONTRACT, sb.toString());
        ProductReader.read(c);
        long t0 = System.nanoTime();
        Dataset d = ProductReader.read(c);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(30_000, d.rows());
        assertEquals(29.999, d.get(29_999, 0), 1e-9);
        // Generous bound: the machine is shared; the point is to catch an accidentally quadratic reader.
        assertTrue(seconds < 5, "read took " + seconds + " s");
    }
}
