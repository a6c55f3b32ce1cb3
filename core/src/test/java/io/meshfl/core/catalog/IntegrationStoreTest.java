package io.meshfl.core.catalog;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IntegrationStoreTest {

    private static final String STAR_V1 = "kind: MeshIntegration\nid: sales.star\nversion: 1.0.0\nbase: sales.orders\n";
    private static final String STAR_V2 = "kind: MeshIntegration\nid: sales.star\nversion: 1.10.0\nbase: sales.orders\n";
    private static final String STAR_V1_9 = "kind: MeshIntegration\nid: sales.star\nversion: 1.9.0\nbase: sales.orders\n";

    private Catalog catalog;
    private IntegrationStore store;

    @BeforeEach
    void open() {
        catalog = Catalog.inMemory("integration-store-test-" + UUID.randomUUID());
        store = new IntegrationStore(catalog);
    }

    @AfterEach
    void close() {
        catalog.close();
    }

    @Test
    void registeredIntegrationRoundTripsWithItsChecksum() {
        IntegrationRecord r = store.register("sales.star", "1.0.0", STAR_V1);
        assertEquals("sales.star", r.id());
        assertEquals("1.0.0", r.version());
        assertEquals(STAR_V1, r.yaml());
        assertEquals(io.meshfl.core.trust.HashChain.sha256Hex(STAR_V1), r.sha256());
        assertEquals(r, store.byVersion("sales.star", "1.0.0").orElseThrow());
        assertEquals(r, store.latest("sales.star").orElseThrow());
    }

    @Test
    void newVersionIsKeptBesideTheOldAndLatestIsTheHighestVersion() {
        store.register("sales.star", "1.10.0", STAR_V2);
        store.register("sales.star", "1.0.0", STAR_V1);
        store.register("sales.star", "1.9.0", STAR_V1_9);
        assertEquals(List.of("1.0.0", "1.9.0", "1.10.0"), store.versions("sales.star").stream().map(IntegrationRecord::version).toList());
        assertEquals(STAR_V2, store.latest("sales.star").orElseThrow().yaml());
        assertEquals(STAR_V1, store.byVersion("sales.star", "1.0.0").orElseThrow().yaml());
    }

    @Test
    void registeringTheSameVersionWithTheSameTextAgainChangesNothing() {
        IntegrationRecord first = store.register("sales.star", "1.0.0", STAR_V1);
        IntegrationRecord again = store.register("sales.star", "1.0.0", STAR_V1);
        assertEquals(first, again);
        assertEquals(1, store.versions("sales.star").size());
    }

    @Test
    void registeringTheSameVersionWithDifferentTextIsRefused() {
        store.register("sales.star", "1.0.0", STAR_V1);
        MeshflException e = assertThrows(MeshflException.class, () -> store.register("sales.star", "1.0.0", STAR_V2));
        assertEquals(ErrorCode.CATALOG_FAILURE, e.code());
        assertTrue(e.getMessage().contains("already registered with different YAML"), e.getMessage());
        assertTrue(e.getMessage().contains("bump the version"), e.getMessage());
        assertEquals(STAR_V1, store.byVersion("sales.star", "1.0.0").orElseThrow().yaml());
    }

    @Test
    void listGivesTheLatestVersionOfEachIntegrationById() {
        store.register("sales.star", "1.0.0", STAR_V1);
        store.register("sales.star", "1.10.0", STAR_V2);
        store.register("crm.profiles", "0.1.0", "kind: MeshIntegration\nid: crm.profiles\n");
        List<IntegrationRecord> all = store.list();
        assertEquals(List.of("crm.profiles 0.1.0", "sales.star 1.10.0"),
                all.stream().map(r -> r.id() + " " + r.version()).toList());
    }

    @Test
    void unknownIntegrationIsNotFoundAndNamesTheKnownOnes() {
        store.register("sales.star", "1.0.0", STAR_V1);
        assertTrue(store.latest("sales.nope").isEmpty());
        assertTrue(store.byVersion("sales.star", "2.0.0").isEmpty());
        MeshflException e = assertThrows(MeshflException.class, () -> store.requireLatest("sales.nope"));
        assertEquals(ErrorCode.CATALOG_NOT_FOUND, e.code());
        assertTrue(e.getMessage().contains("unknown integration 'sales.nope' (known integrations: sales.star)"), e.getMessage());
    }

    @Test
    void blankIdOrEmptyYamlIsRefused() {
        assertEquals(ErrorCode.CATALOG_FAILURE, assertThrows(MeshflException.class, () -> store.register(" ", "1.0.0", STAR_V1)).code());
        assertEquals(ErrorCode.CATALOG_FAILURE, assertThrows(MeshflException.class, () -> store.register("sales.star", "1.0.0", "  ")).code());
    }

    @Test
    void integrationsSurviveReopeningAFileCatalog(@TempDir Path dir) {
        Path db = dir.resolve("catalog");
        try (Catalog c = Catalog.open(db)) {
            new IntegrationStore(c).register("sales.star", "1.0.0", STAR_V1);
        }
        try (Catalog c = Catalog.open(db)) {
            assertEquals(STAR_V1, new IntegrationStore(c).requireLatest("sales.star").yaml());
        }
    }

    @Test
    void aClosedCatalogRefusesWithACatalogFailure() {
        catalog.close();
        MeshflException e = assertThrows(MeshflException.class, () -> store.latest("sales.star"));
        assertEquals(ErrorCode.CATALOG_FAILURE, e.code());
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void concurrentRegistrationsOfOneVersionStoreItOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<IntegrationRecord>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) results.add(pool.submit(() -> store.register("sales.star", "1.0.0", STAR_V1)));
            IntegrationRecord first = results.get(0).get(30, TimeUnit.SECONDS);
            for (Future<IntegrationRecord> f : results) assertEquals(first, f.get(30, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, store.versions("sales.star").size());
    }
}
