package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.report.RunReport;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --model} as an id, a registered name, its output port {@code model.NAME}, or {@code NAME@VERSION}. */
class ModelRefsTest {

    private static JsonNode registry() throws Exception {
        return RunReport.JSON.readTree("""
                [{"model_id": "model-1", "name": "credit", "version": 1, "stage": "retired"},
                 {"model_id": "model-2", "name": "credit", "version": 2, "stage": "production"},
                 {"model_id": "model-3", "name": "credit", "version": 3, "stage": "candidate"}]""");
    }

    @Test
    void aNameOrItsOutputPortIsTheProductionVersionAndAVersionIsThatVersion() throws Exception {
        assertEquals("model-2", ModelRefs.resolve("credit", registry(), "client:x"));
        assertEquals("model-2", ModelRefs.resolve("model.credit", registry(), "client:x"));
        assertEquals("model-3", ModelRefs.resolve("model.credit@3", registry(), "client:x"));
        assertEquals("model-1", ModelRefs.resolve("credit@1", registry(), "client:x"));
        assertEquals("model-9", ModelRefs.resolve("model-9", registry(), "client:x"), "an id is taken as it is");
        MeshflException e = assertThrows(MeshflException.class, () -> ModelRefs.resolve("model.churn", registry(), "client:x"));
        assertEquals(ErrorCode.CATALOG_NOT_FOUND, e.code());
        assertTrue(e.getMessage().contains("'churn'") && e.getMessage().contains("client:x"), e.getMessage());
        assertThrows(MeshflException.class, () -> ModelRefs.resolve("credit@4", registry(), "client:x"));
    }
}
