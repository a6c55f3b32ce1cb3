package io.meshfl.cli;

import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.protocol.scoring.PredictionProduct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node serves the products it published its predictions as, and only its own domain's. */
class PublishedProductsTest {

    @TempDir
    Path dir;

    @Test
    void aNodeServesThePredictionsItPublishedAfterARestart() throws Exception {
        Path csv = dir.resolve("p.csv");
        Files.writeString(csv, "entity_key,prediction,model,model_version\nC1,0.25,churn,2\nC2,0.75,churn,2\n");
        PredictionProduct.Published first = PredictionProduct.publish(dir, "bank", "churn-scores", "csv", csv, 2, "churn", "2");
        PredictionProduct.Published second = PredictionProduct.publish(dir, "bank", "churn-scores", "parquet", csv, 2, "churn", "2");
        assertEquals("1.0.0", first.version());
        assertEquals("1.0.1", second.version());
        List<DataContract> served = NodeCommand.published(dir, "bank");
        assertEquals(1, served.size());
        assertEquals("bank.churn-scores", served.get(0).id());
        assertEquals("1.0.1", served.get(0).version());
        assertTrue(Files.exists(dir.resolve("products/churn-scores/churn-scores.parquet")));

        MeshflException e = assertThrows(MeshflException.class, () -> NodeCommand.published(dir, "shop"));
        assertTrue(e.getMessage().contains("domain 'bank'"), e.getMessage());
        assertEquals(List.of(), NodeCommand.published(dir.resolve("nowhere"), "bank"));
    }
}
