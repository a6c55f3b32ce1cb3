package io.meshfl.engine.spark;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.ProductReader;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.psi.PsiNode;
import io.meshfl.core.protocol.psi.PsiRunner;
import io.meshfl.core.protocol.psi.PsiSteps;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Entity alignment with some parties on the Spark engine gives every party exactly the aligned rows
 * the node's own side gives, over CSV parts, a Parquet file and a group; bad keys are refused naming
 * rows, never values.
 */
class SparkPsiNodeTest {

    @TempDir
    static Path dir;

    private static SparkEngine engine;
    private static final List<String> LOG = Collections.synchronizedList(new ArrayList<>());
    private static final Map<String, DataContract> CONTRACTS = new LinkedHashMap<>();

    /** A party of one product, answering as the node's own PSI side or as the Spark engine's. */
    static final class Party extends FileParty {
        Party(String domain, boolean spark) {
            super(CONTRACTS.get(domain + ".customers"), spark ? new SparkPsiNode(engine, new PsiNode()) : new PsiNode());
        }

        int[] aligned() {
            return aligned("job");
        }
    }

    private static void product(String domain, String server, List<String> ids) throws Exception {
        Path f = dir.resolve(domain + ".yaml");
        Files.writeString(f, io.meshfl.core.testing.CustomerContracts.yaml(domain, io.meshfl.core.testing.CustomerContracts.PII_KEY
                + "      - {name: x, logicalType: number}\n", "").replace("{server: local, type: csv, path: " + domain + ".csv}", server));
        CONTRACTS.put(domain + ".customers", ContractLoader.load(f));
    }

    private static void csv(Path file, List<String> ids, int from, int to) throws Exception {
        StringBuilder s = new StringBuilder("cid,x\n");
        for (int i = from; i < to; i++) s.append(ids.get(i)).append(',').append(i % 17).append('\n');
        Files.writeString(file, s);
    }

    @BeforeAll
    static void products() throws Exception {
        Random r = new Random(5);
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 9_000; i++) all.add("C" + i);
        // bank: 6,000 customers in three CSV parts; shop: 2,500 in one file; telco: 4,000 in a Parquet file; north and south
        // split 3,000 between them (a group)
        List<String> bank = new ArrayList<>(all.subList(0, 6_000));
        Collections.shuffle(bank, r);
        Files.createDirectories(dir.resolve("bank"));
        for (int p = 0; p < 3; p++) csv(dir.resolve("bank").resolve("part-" + p + ".csv"), bank, p * 2_000, (p + 1) * 2_000);
        product("bank", "{server: local, type: csv, path: 'bank/part-*.csv'}", bank);
        List<String> shop = new ArrayList<>(all.subList(3_500, 6_000));
        Collections.shuffle(shop, r);
        csv(dir.resolve("shop.csv"), shop, 0, shop.size());
        product("shop", "{server: local, type: csv, path: shop.csv}", shop);
        List<String> telco = new ArrayList<>(all.subList(1_000, 5_000));
        Collections.shuffle(telco, r);
        csv(dir.resolve("telco-src.csv"), telco, 0, telco.size());
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            st.execute("COPY (SELECT * FROM read_csv('" + dir.resolve("telco-src.csv") + "', header=true, all_varchar=true)) TO '"
                    + dir.resolve("telco.parquet") + "' (FORMAT PARQUET)");
        }
        product("telco", "{server: local, type: parquet, path: telco.parquet}", telco);
        List<String> region = new ArrayList<>(all.subList(2_000, 5_000));
        Collections.shuffle(region, r);
        csv(dir.resolve("north.csv"), region, 0, 1_400);
        product("north", "{server: local, type: csv, path: north.csv}", region);
        csv(dir.resolve("south.csv"), region, 1_400, 3_000);
        product("south", "{server: local, type: csv, path: south.csv}", region);
        // bad keys: a duplicate at data rows 4 and 9, a blank at data row 6
        Files.writeString(dir.resolve("dup.csv"), "cid,x\na,1\nb,1\nc,1\nsecret-d,1\ne,1\nf,1\ng,1\nh,1\nsecret-d,1\n");
        product("dup", "{server: local, type: csv, path: dup.csv}", List.of());
        Files.writeString(dir.resolve("blank.csv"), "cid,x\na,1\nb,1\nc,1\nd,1\ne,1\n ,1\ng,1\n");
        product("blank", "{server: local, type: csv, path: blank.csv}", List.of());
        // another dialect (semicolons, quoted keys with doubled quotes) and quoted notes spanning lines, against a plain file
        StringBuilder odd = new StringBuilder("cid;note;x\n"), plain = new StringBuilder("cid,x\n");
        for (int i = 0; i < 1_200; i++) {
            String key = i % 7 == 0 ? "Q\"" + i : "C" + (3_000 + i);
            String written = i % 7 == 0 ? "\"" + key.replace("\"", "\"\"") + "\"" : key;
            odd.append(written).append(';').append(i % 10 == 0 ? "\"first line\nsecond; line\"" : "plain").append(';').append(i % 17).append('\n');
            if (i % 2 == 0) plain.append(written).append(',').append(i % 17).append('\n');
        }
        Files.writeString(dir.resolve("odd.csv"), odd);
        product("odd", "{server: local, type: csv, path: odd.csv}", List.of());
        Files.writeString(dir.resolve("plain.csv"), plain);
        product("plain", "{server: local, type: csv, path: plain.csv}", List.of());
        // a few keys a partition, so that each blind request spans several partitions and several requests one partition
        engine = new SparkEngine("test", List.copyOf(CONTRACTS.values()), Map.of(SparkEngine.PARTITION_ROWS, "500"), LOG::add);
    }

    @AfterAll
    static void stop() {
        if (engine != null) engine.close();
    }

    private static PsiRunner.Result align(Set<String> group, Party... parties) {
        Map<String, NodeChannel> byDomain = new LinkedHashMap<>();
        List<PsiRunner.Party> ps = new ArrayList<>();
        for (Party p : parties) {
            byDomain.put(p.domain(), p);
            PsiRunner.Party party = new PsiRunner.Party(p.domain(), p.domain() + ".customers");
            ps.add(group.contains(p.domain()) ? party.inGroup("region") : party);
        }
        return new PsiRunner(byDomain, Duration.ofSeconds(120), s -> { }, 700).seeded(7).run("job", "run", ps, false);
    }

    @Test
    void partiesOnSparkAlignExactlyTheRowsTheNodesOwnSideAligns() {
        Party bank = new Party("bank", false), shop = new Party("shop", false), telco = new Party("telco", false);
        PsiRunner.Result own = align(Set.of(), bank, shop, telco);
        Party sparkBank = new Party("bank", true), sparkShop = new Party("shop", false), sparkTelco = new Party("telco", true);
        PsiRunner.Result spark = align(Set.of(), sparkBank, sparkShop, sparkTelco);
        assertEquals(1_500, own.intersection(), "customers 3,500..4,999 are in all three");
        assertEquals(own.intersection(), spark.intersection());
        assertArrayEquals(bank.aligned(), sparkBank.aligned(), "bank: CSV parts on Spark");
        assertArrayEquals(shop.aligned(), sparkShop.aligned(), "shop: its own side, against parties on Spark");
        assertArrayEquals(telco.aligned(), sparkTelco.aligned(), "telco: Parquet on Spark");
        // and the rows are the same customers on every party
        List<String> bankKeys = keys(bank), telcoKeys = keys(telco);
        for (int i = 0; i < bank.aligned().length; i++) {
            assertEquals(bankKeys.get(sparkBank.aligned()[i]), telcoKeys.get(sparkTelco.aligned()[i]), "aligned row " + i);
        }
        assertTrue(LOG.stream().anyMatch(l -> l.contains("bank.customers): 6000 keys checked and shuffled on Spark, 12 partitions")), LOG.toString());
    }

    @Test
    void aFileOfAnotherDialectWithValuesSpanningLinesAlignsTheRowsTheNodesOwnReaderReads() {
        Party odd = new Party("odd", false), plain = new Party("plain", false);
        PsiRunner.Result own = align(Set.of(), odd, plain);
        Party sparkOdd = new Party("odd", true), sparkPlain = new Party("plain", false);
        PsiRunner.Result spark = align(Set.of(), sparkOdd, sparkPlain);
        assertEquals(600, own.intersection(), "every other row of the odd file, quoted keys included");
        assertEquals(own.intersection(), spark.intersection());
        assertArrayEquals(odd.aligned(), sparkOdd.aligned(), "the same row numbers, though 120 rows span two lines");
        assertArrayEquals(plain.aligned(), sparkPlain.aligned());
        assertTrue(LOG.stream().anyMatch(l -> l.contains("(odd.customers): file 1 of 1 has quoted values spanning lines")
                && l.contains("the node's reader 1200 rows): Spark reads it whole")), LOG.toString());
    }

    @Test
    void aGroupOnSparkAlignsItsMembersPlacesAsTheNodesOwnSideDoes() {
        Party bank = new Party("bank", false), north = new Party("north", false), shop = new Party("shop", false), south = new Party("south", false);
        align(Set.of("north", "south"), bank, north, shop, south);
        Party sBank = new Party("bank", true), sNorth = new Party("north", true), sShop = new Party("shop", false), sSouth = new Party("south", true);
        align(Set.of("north", "south"), sBank, sNorth, sShop, sSouth);
        assertTrue(bank.aligned().length > 0);
        assertArrayEquals(bank.aligned(), sBank.aligned(), "the leader reports the keyed-hash order from Spark");
        assertArrayEquals(north.aligned(), sNorth.aligned(), "a member's places");
        assertArrayEquals(south.aligned(), sSouth.aligned());
        assertArrayEquals(shop.aligned(), sShop.aligned());
    }

    @Test
    void duplicateAndBlankKeysAreRefusedNamingRowsNeverValues() {
        MeshflException dup = assertThrows(MeshflException.class, () -> align(Set.of(), new Party("dup", true), new Party("shop", false)));
        assertEquals(ErrorCode.DATA_BAD_VALUE, dup.code());
        assertTrue(dup.getMessage().contains("duplicate entity key at data rows 4 and 9"), dup.getMessage());
        assertTrue(!dup.getMessage().contains("secret"), dup.getMessage());
        MeshflException blank = assertThrows(MeshflException.class, () -> align(Set.of(), new Party("blank", true), new Party("shop", false)));
        assertTrue(blank.getMessage().contains("blank entity key at data row 6"), blank.getMessage());
    }

    @Test
    void anAlignmentTheEngineDoesNotDistributeRunsOnTheNodeAndSaysSo() {
        // the values of a join column (many rows to a value): the node's own side aligns them, the same on either engine
        Map<String, NodeChannel> byDomain = new LinkedHashMap<>();
        Party bank = new Party("bank", true), shop = new Party("shop", true);
        byDomain.put("bank", bank);
        byDomain.put("shop", shop);
        PsiRunner.Result r = new PsiRunner(byDomain, Duration.ofSeconds(120), s -> { }, 700).run("job", "run",
                List.of(new PsiRunner.Party("bank", "bank.customers", "x", true), new PsiRunner.Party("shop", "shop.customers", "x", true)), false);
        assertEquals(17, r.intersection(), "x takes the values 0..16 on both");
        assertTrue(LOG.stream().anyMatch(l -> l.contains("(bank.customers): runs in the node's JVM, not on Spark: it aligns the values of a join column")),
                LOG.toString());
        assertTrue(bank.jobState("job").get(PsiSteps.ROW_RANKS) != null, "the node's own side kept each row's rank");
    }

    @Test
    void aSettingTheEngineDoesNotTakeIsRefusedNamingIt() {
        MeshflException e = assertThrows(MeshflException.class, () -> new SparkEngine("x", List.of(), Map.of("parallelism", "4"), s -> { }));
        assertTrue(e.getMessage().contains("--engine-conf parallelism: engine spark takes Spark's own settings (spark.*) and "
                + SparkEngine.PARTITION_ROWS), e.getMessage());
        MeshflException rows = assertThrows(MeshflException.class,
                () -> new SparkEngine("x", List.of(), Map.of(SparkEngine.PARTITION_ROWS, "0"), s -> { }));
        assertTrue(rows.getMessage().contains("a number of keys >= 1, got '0'"), rows.getMessage());
    }

    private static List<String> keys(Party p) {
        return List.of(ProductReader.read(p.contract, List.of(), null).keys());
    }
}
