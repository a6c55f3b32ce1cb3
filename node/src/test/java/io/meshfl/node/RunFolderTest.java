package io.meshfl.node;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run's checkpoint folder on a node: named by the run id alone, never outside the node's state folder, gone when the run ends. */
class RunFolderTest {

    @TempDir
    Path state;

    @Test
    void aRunIdThatWouldLeaveTheStateFolderIsRefusedAndAnEndedRunsFolderIsRemoved() throws Exception {
        LocalNodeContext ctx = new LocalNodeContext("n1", "lending", Map.of(), null);
        ctx.stateDir(state);
        // a coordinator naming a run so as to write elsewhere on the node's disk
        for (String hostile : new String[]{"../outside", "..", ".hidden", "a/b", "run 1", ""}) {
            var e = assertThrows(MeshflException.class, () -> ctx.runFolder(hostile), hostile);
            assertEquals(ErrorCode.POLICY_VIOLATION, e.code(), hostile);
        }
        assertFalse(Files.exists(state.getParent().resolve("outside")));
        Path folder = ctx.runFolder("run-20261205-1");
        assertTrue(folder.startsWith(state.resolve("runs")) && Files.isDirectory(folder));
        Files.writeString(folder.resolve("vertical-1.part"), "x");
        ctx.dropRunFolder("run-20261205-1");
        assertFalse(Files.exists(folder), "the run's parts are gone with it");
    }
}
