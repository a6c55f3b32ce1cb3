package io.meshfl.node.engine;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeEnginesTest {

    @Test
    void theNodesOwnEngineIsTheDefaultAndTakesNoSettings() {
        assertNull(NodeEngines.open(NodeEngines.JVM, "bank", List.of(), Map.of(), s -> { }));
        MeshflException e = assertThrows(MeshflException.class,
                () -> NodeEngines.open(NodeEngines.JVM, "bank", List.of(), Map.of("spark.master", "local[4]"), s -> { }));
        assertEquals(ErrorCode.JOB_INVALID, e.code());
        assertTrue(e.getMessage().contains("--engine-conf spark.master: engine jvm takes no settings"), e.getMessage());
    }

    @Test
    void anEngineThisLauncherDoesNotCarryIsAnErrorSayingWhereItComesFrom() {
        // the default launcher carries no Spark: the node must not start on its own engine as if it had been asked to
        MeshflException e = assertThrows(MeshflException.class, () -> NodeEngines.open("spark", "bank", List.of(), Map.of(), s -> { }));
        assertTrue(e.getMessage().contains("--engine spark: this launcher carries the engines [jvm]"), e.getMessage());
        assertTrue(e.getMessage().contains("./meshfl-spark node"), e.getMessage());
        MeshflException other = assertThrows(MeshflException.class, () -> NodeEngines.open("flink", "bank", List.of(), Map.of(), s -> { }));
        assertTrue(other.getMessage().contains("--engine flink: this launcher carries the engines [jvm]"), other.getMessage());
    }
}
