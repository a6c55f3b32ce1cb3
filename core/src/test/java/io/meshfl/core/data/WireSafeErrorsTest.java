package io.meshfl.core.data;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every error the product reader raises may travel from a domain's node to the coordinator and
 * the job's submitter. Each case here plants distinctive values in the data (an SSN, a token, a
 * number out of place) and checks that the error names product, column and line or row, and
 * carries neither a planted value nor the data folder nor a file name, while its local detail,
 * which stays in the node's log, does hold the value or path.
 */
class WireSafeErrorsTest {

    static final String PRODUCT = "vault.accounts";
    static final String SSN = "123-45-6789";
    static final String TOKEN = "PLANTED-7f3a";
    static final String NUMBER = "987654.321";
    static final String DATE = "1987-06-05";
    static final List<String> PLANTED = List.of(SSN, TOKEN, NUMBER, DATE);
    static final String CSV_FILE = "ledger-9f2c.csv";
    static final String PARQUET_FILE = "ledger-9f2c.parquet";
    static final String CONTRACT_FILE = "vault-contract.yaml";

    static final String HEADER = "id,y,x0,x1,ssn,visit,age\n";
    /** A valid row whose every non-numeric cell is planted, so row content would show if it crossed. */
    static final String GOOD = "k1,1,0.5,true," + SSN + ",2020-01-01,40\n";

    static final String CONTRACT = """
            apiVersion: v3.0.2
            kind: DataContract
            id: vault.accounts
            version: 1.0.0
            domain: vault
            dataProduct: accounts
            servers:
              - {server: local, type: %s, path: %s}
            schema:
              - name: accounts
                properties:
                  - {name: id, logicalType: string, primaryKey: true}
                  - {name: y, logicalType: integer}
                  - {name: x0, logicalType: number}
                  - {name: x1, logicalType: boolean}
                  - {name: ssn, logicalType: string, classification: pii}
                  - {name: visit, logicalType: date}
                  - {name: age, logicalType: integer, required: %s}
            meshfl:
              entityKey: id
              label: y
              features: [x0, x1]
              imputation: {strategy: %s}
            """;

    @TempDir
    Path tmp;
    Path dir;

    @BeforeEach
    void folder() throws Exception {
        // The folder name is planted too: a path in a message shows up as this token.
        dir = Files.createDirectories(tmp.resolve("domain-data-" + TOKEN.toLowerCase()));
    }

    private DataContract csv(String body) throws Exception {
        return csv(body, "none", false);
    }

    private DataContract csv(String body, String imputation, boolean ageRequired) throws Exception {
        Files.writeString(dir.resolve(CSV_FILE), body, StandardCharsets.UTF_8);
        return contract("csv", CSV_FILE, imputation, ageRequired);
    }

    private DataContract contract(String type, String file, String imputation, boolean ageRequired) throws Exception {
        Path f = dir.resolve(CONTRACT_FILE);
        Files.writeString(f, CONTRACT.formatted(type, file, ageRequired, imputation));
        return ContractLoader.load(f, false);
    }

    /** A Parquet file written by DuckDB from {@code select}, which must produce the contract's columns. */
    private DataContract parquet(String select) throws Exception {
        Path file = dir.resolve(PARQUET_FILE);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("COPY (" + select + ") TO '" + file + "' (FORMAT parquet)");
        }
        return contract("parquet", PARQUET_FILE, "none", false);
    }

    /**
     * Runs {@code call}, expects a failure with {@code code}, and checks what would cross: the
     * product, {@code column} and {@code where} ("line 3", "row 2"; null when no single cell is at
     * fault) are named; no planted value, folder or file name is. The local detail must hold
     * every one of {@code local}.
     */
    private MeshflException crossesSafely(Executable call, ErrorCode code, String column, String where, String... local) {
        MeshflException e = assertThrows(MeshflException.class, call);
        String wire = e.getMessage() + "\n" + e;
        assertEquals(code, e.code(), wire);
        assertTrue(wire.contains("product " + PRODUCT), "names the product: " + wire);
        if (column != null) assertTrue(wire.contains("column '" + column + "'"), "names the column: " + wire);
        if (where != null) {
            assertTrue(Pattern.compile("\\b" + where + "\\b").matcher(wire).find(), "names " + where + ": " + wire);
        }
        for (String p : PLANTED) assertFalse(wire.contains(p), "planted value " + p + " crossed: " + wire);
        for (String p : List.of(tmp.toString(), dir.getFileName().toString(), CSV_FILE, PARQUET_FILE, CONTRACT_FILE, "ledger-9f2c", "jdbc:")) {
            assertFalse(wire.contains(p), p + " crossed: " + wire);
        }
        assertNotNull(e.localDetail(), "the node's log gets the detail: " + wire);
        for (String l : local) assertTrue(e.localDetail().contains(l), "local detail lacks " + l + ": " + e.localDetail());
        return e;
    }

    private String csvPath() {
        return dir.resolve(CSV_FILE).toString();
    }

    // ---- CSV, read ----

    @Test
    void textInANumericColumn() throws Exception {
        DataContract c = csv(HEADER + GOOD + "k2,0," + SSN + ",false," + SSN + ",2020-01-02,41\n");
        MeshflException e = crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_WRONG_TYPE, "x0", "line 3", SSN, csvPath());
        assertTrue(e.getMessage().contains("text value in a numeric column"), e.getMessage());
    }

    @Test
    void fractionalNumberInTheIntegerLabel() throws Exception {
        DataContract c = csv(HEADER + GOOD + GOOD.replace("k1", "k2") + "k3," + NUMBER + ",0.1,false," + SSN + ",2020-01-03,42\n");
        MeshflException e = crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_WRONG_TYPE, "y", "line 4", NUMBER);
        assertTrue(e.getMessage().contains("not an integer"), e.getMessage());
    }

    @Test
    void badBooleanValue() throws Exception {
        DataContract c = csv(HEADER + GOOD + "k2,0,0.1," + TOKEN + "," + SSN + ",2020-01-02,41\n");
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_WRONG_TYPE, "x1", "line 3", TOKEN);
    }

    @Test
    void numberOtherThanZeroOrOneInABooleanColumn() throws Exception {
        DataContract c = csv(HEADER + GOOD + "k2,0,0.1," + NUMBER + "," + SSN + ",2020-01-02,41\n");
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_WRONG_TYPE, "x1", "line 3", NUMBER);
    }

    @Test
    void emptyLabel() throws Exception {
        DataContract c = csv(HEADER + GOOD + "k2,,0.1,true," + SSN + "," + DATE + "," + NUMBER + "\n");
        MeshflException e = crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_BAD_VALUE, "y", "line 3", csvPath());
        assertTrue(e.getMessage().contains("empty or NaN label"), e.getMessage());
    }

    @Test
    void emptyFeatureWithoutImputation() throws Exception {
        DataContract c = csv(HEADER + GOOD + "k2,0,,true," + SSN + "," + DATE + "," + NUMBER + "\n");
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_BAD_VALUE, "x0", "line 3", csvPath());
    }

    @Test
    void infiniteFeature() throws Exception {
        DataContract c = csv(HEADER + GOOD + "k2,0,inf,true," + SSN + "," + DATE + "," + NUMBER + "\n");
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_BAD_VALUE, "x0", "line 3", csvPath());
    }

    @Test
    void emptyEntityKey() throws Exception {
        DataContract c = csv(HEADER + GOOD + ",0,0.1,true," + SSN + "," + DATE + "," + NUMBER + "\n");
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_BAD_VALUE, "id", "line 3", csvPath());
    }

    @Test
    void duplicatePrimaryKey() throws Exception {
        String row = TOKEN + ",0,0.1,true," + SSN + "," + DATE + ",41\n";
        DataContract c = csv(HEADER + row + GOOD + row);
        MeshflException e = crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_BAD_VALUE, "id", "line 4", TOKEN);
        assertTrue(e.getMessage().contains("first at line 2"), e.getMessage());
    }

    @Test
    void everyCellEmptyUnderMeanImputation() throws Exception {
        DataContract c = csv(HEADER + "k1,1,,true," + SSN + "," + DATE + ",40\nk2,0,,false," + TOKEN + "," + DATE + ",41\n", "mean", false);
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_BAD_VALUE, "x0", null, "contract " + dir.resolve(CONTRACT_FILE));
    }

    @Test
    void lineNumbersStayRightAcrossQuotedLineBreaks() throws Exception {
        String quoted = "k2,0,0.2,true,\"" + SSN + "\n" + TOKEN + "\",2020-01-02,41\n";
        DataContract c = csv(HEADER + GOOD + quoted + "\nk3,1," + TOKEN + ",true,x,2020-01-03,42\n");
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_WRONG_TYPE, "x0", "line 6", TOKEN);
    }

    // ---- CSV, the whole file ----

    @Test
    void headerOnlyFile() throws Exception {
        DataContract c = csv(HEADER);
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_EMPTY, null, null, csvPath());
        crossesSafely(() -> ProductReader.validate(c), ErrorCode.DATA_EMPTY, null, null, csvPath());
        crossesSafely(() -> ProductReader.readKeys(c, "id"), ErrorCode.DATA_EMPTY, null, null, csvPath());
    }

    @Test
    void missingDataFile() throws Exception {
        DataContract c = csv(HEADER + GOOD);
        Files.delete(dir.resolve(CSV_FILE));
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_MISSING_FILE, null, null, csvPath());
        crossesSafely(() -> ProductReader.count(c), ErrorCode.DATA_MISSING_FILE, null, null, csvPath());
        crossesSafely(() -> ProductReader.readKeys(c, "id"), ErrorCode.DATA_MISSING_FILE, null, null, csvPath());
    }

    @Test
    void fileWithoutAHeaderRowMissesTheDeclaredColumnsAndKeepsItsFirstRowLocal() throws Exception {
        // Without a header DuckDB takes the first row's cells as column names.
        DataContract c = csv("k0,1,0.5,true," + SSN + "," + DATE + "," + NUMBER + "\n" + GOOD);
        MeshflException e = crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_MISSING_COLUMN, null, null, SSN, csvPath());
        assertTrue(e.getMessage().contains("'id'") && e.getMessage().contains("missing from its CSV file"), e.getMessage());
    }

    @Test
    void declaredColumnMissing() throws Exception {
        DataContract c = csv(HEADER.replace(",age", "," + TOKEN) + GOOD);
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_MISSING_COLUMN, "age", null, TOKEN, csvPath());
    }

    @Test
    void malformedLineQuotedByTheEngine() throws Exception {
        // Past DuckDB's sniffing sample, so the file is read as seven columns and the read itself fails.
        StringBuilder sb = new StringBuilder(HEADER);
        for (int i = 0; i < 21_000; i++) sb.append('k').append(i).append(",1,0.5,true,s,2020-01-01,40\n");
        sb.append("bad,0,").append(TOKEN).append(",true,").append(SSN).append(",").append(DATE).append(",41,").append(NUMBER).append('\n');
        DataContract c = csv(sb.toString());
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_BAD_VALUE, null, "line 21002", TOKEN, csvPath());
        crossesSafely(() -> ProductReader.validate(c), ErrorCode.DATA_BAD_VALUE, null, "line 21002", TOKEN);
        crossesSafely(() -> ProductReader.readKeys(c, "id"), ErrorCode.DATA_BAD_VALUE, null, "line 21002", TOKEN);
    }

    // ---- CSV, validate and keys ----

    @Test
    void validateFindsTextInADateColumn() throws Exception {
        DataContract c = csv(HEADER + GOOD + "k2,0,0.1,true," + SSN + "," + TOKEN + ",41\n");
        crossesSafely(() -> ProductReader.validate(c), ErrorCode.DATA_WRONG_TYPE, "visit", "line 3", TOKEN);
    }

    @Test
    void validateFindsTextInANonFeatureIntegerColumn() throws Exception {
        DataContract c = csv(HEADER + GOOD + "k2,0,0.1,true," + TOKEN + "," + DATE + "," + SSN + "\n");
        crossesSafely(() -> ProductReader.validate(c), ErrorCode.DATA_WRONG_TYPE, "age", "line 3", SSN);
    }

    @Test
    void validateFindsAnEmptyRequiredCell() throws Exception {
        DataContract c = csv(HEADER + GOOD + "k2,0,0.1,true," + SSN + "," + DATE + ",\n", "none", true);
        crossesSafely(() -> ProductReader.validate(c), ErrorCode.DATA_BAD_VALUE, "age", "line 3", csvPath());
    }

    @Test
    void validateFindsAnEmptyPrimaryKey() throws Exception {
        DataContract c = csv(HEADER + GOOD + ",0,0.1,true," + SSN + "," + DATE + ",41\n");
        crossesSafely(() -> ProductReader.validate(c), ErrorCode.DATA_BAD_VALUE, "id", "line 3", csvPath());
    }

    @Test
    void keysOfAnUndeclaredColumn() throws Exception {
        DataContract c = csv(HEADER + GOOD);
        MeshflException e = assertThrows(MeshflException.class, () -> ProductReader.readKeys(c, "acct"));
        assertEquals(ErrorCode.DATA_MISSING_COLUMN, e.code());
        assertTrue(e.getMessage().contains(PRODUCT) && e.getMessage().contains("'acct'"), e.getMessage());
        assertFalse(e.getMessage().contains(CONTRACT_FILE) || e.getMessage().contains(tmp.toString()), e.getMessage());
    }

    @Test
    void requestsThePolicyRefusesNameNoContractFile() throws Exception {
        DataContract c = csv(HEADER + GOOD);
        for (Executable call : List.<Executable>of(() -> ProductReader.read(c, List.of("nope"), "y"),
                () -> ProductReader.read(c, List.of("ssn"), "y"), () -> ProductReader.read(c, List.of("x0"), "age"))) {
            MeshflException e = assertThrows(MeshflException.class, call);
            assertTrue(e.getMessage().contains(PRODUCT), e.getMessage());
            assertFalse(e.getMessage().contains(CONTRACT_FILE) || e.getMessage().contains(tmp.toString()), e.getMessage());
        }
    }

    // ---- Parquet: rows are counted, values arrive typed ----

    private static String parquetRows(String secondRow) {
        return "SELECT * FROM (VALUES ('k1', 1, '0.5', true, '" + SSN + "', DATE '2020-01-01', 40), " + secondRow
                + ") t(id, y, x0, x1, ssn, visit, age)";
    }

    @Test
    void parquetTextInANumericColumn() throws Exception {
        DataContract c = parquet(parquetRows("('k2', 0, '" + SSN + "', false, '" + TOKEN + "', DATE '2020-01-02', 41)"));
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_WRONG_TYPE, "x0", "row 2", SSN, dir.resolve(PARQUET_FILE).toString());
    }

    @Test
    void parquetFractionalDoubleInTheIntegerLabel() throws Exception {
        DataContract c = parquet("SELECT * FROM (VALUES ('k1', 1.0, 0.5, true, '" + SSN + "', DATE '2020-01-01', 40), ('k2', "
                + NUMBER + ", 0.1, false, 'x', DATE '2020-01-02', 41)) t(id, y, x0, x1, ssn, visit, age)");
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_WRONG_TYPE, "y", "row 2", NUMBER);
    }

    @Test
    void parquetDateInANumericColumn() throws Exception {
        DataContract c = parquet("SELECT * FROM (VALUES ('k1', 1, DATE '" + DATE + "', true, 's', DATE '2020-01-01', 40))"
                + " t(id, y, x0, x1, ssn, visit, age)");
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_WRONG_TYPE, "x0", "row 1", DATE);
    }

    @Test
    void parquetDuplicatePrimaryKey() throws Exception {
        DataContract c = parquet("SELECT * FROM (VALUES ('" + TOKEN + "', 1, 0.5, true, 's', DATE '2020-01-01', 40), ('k2', 0, 0.1, false, 's',"
                + " DATE '2020-01-02', 41), ('" + TOKEN + "', 1, 0.2, true, 's', DATE '2020-01-03', 42)) t(id, y, x0, x1, ssn, visit, age)");
        MeshflException e = crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_BAD_VALUE, "id", "row 3", TOKEN);
        assertTrue(e.getMessage().contains("first at row 1"), e.getMessage());
    }

    @Test
    void parquetEmptyLabel() throws Exception {
        DataContract c = parquet(parquetRows("('k2', NULL, '0.1', false, '" + TOKEN + "', DATE '" + DATE + "', 41)"));
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_BAD_VALUE, "y", "row 2");
    }

    @Test
    void unreadableParquetFile() throws Exception {
        Files.write(dir.resolve(PARQUET_FILE), (SSN + "," + TOKEN + "\n").repeat(20).getBytes(StandardCharsets.UTF_8));
        DataContract c = contract("parquet", PARQUET_FILE, "none", false);
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_MISSING_FILE, null, null, dir.resolve(PARQUET_FILE).toString());
        crossesSafely(() -> ProductReader.count(c), ErrorCode.DATA_MISSING_FILE, null, null);
    }

    // ---- JDBC: the URL is a location too ----

    @Test
    void jdbcTextInANumericColumn() throws Exception {
        String url = "jdbc:h2:mem:wiresafe_" + TOKEN.replace('-', '_') + ";DB_CLOSE_DELAY=-1";
        try (Connection conn = DriverManager.getConnection(url); Statement s = conn.createStatement()) {
            s.execute("CREATE TABLE accounts (id VARCHAR(20), y INT, x0 VARCHAR(20), x1 BOOLEAN, ssn VARCHAR(20), visit DATE, age INT)");
            s.execute("INSERT INTO accounts VALUES ('k1', 1, '0.5', TRUE, 's', DATE '2020-01-01', 40),"
                    + " ('k2', 0, '" + SSN + "', FALSE, '" + TOKEN + "', DATE '2020-01-02', 41)");
            DataContract c = jdbc(url);
            crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_WRONG_TYPE, "x0", "row 2", SSN, "wiresafe_PLANTED_7f3a");
            s.execute("DROP TABLE accounts");
        }
    }

    @Test
    void jdbcSourceThatCannotBeOpened() throws Exception {
        DataContract c = jdbc("jdbc:nosuchdriver://" + TOKEN + ".internal/" + SSN);
        crossesSafely(() -> ProductReader.read(c), ErrorCode.DATA_MISSING_FILE, null, null, TOKEN);
    }

    private DataContract jdbc(String url) throws Exception {
        Path f = dir.resolve(CONTRACT_FILE);
        String yaml = CONTRACT.formatted("csv", CSV_FILE, false, "none")
                .replace("{server: local, type: csv, path: " + CSV_FILE + "}", "{server: local, type: jdbc, url: \"" + url + "\", table: accounts}");
        Files.writeString(f, yaml);
        return ContractLoader.load(f, false);
    }
}
