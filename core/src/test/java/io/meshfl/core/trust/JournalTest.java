package io.meshfl.core.trust;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalTest {

    @TempDir
    Path dir;

    private Path threeEntries() {
        Path f = dir.resolve("j.jsonl");
        try (Journal j = Journal.open(f)) {
            for (int i = 1; i <= 3; i++) j.append(JsonNodeFactory.instance.objectNode().put("n", i), i == 3);
        }
        return f;
    }

    @Test
    void entriesChainAcrossReopeningAndTheFileIsOwnerOnly() throws Exception {
        Path f = threeEntries();
        try (Journal j = Journal.open(f)) {
            assertEquals(4, j.append(JsonNodeFactory.instance.objectNode().put("n", 4), false));
        }
        Journal.Verification v = Journal.verify(f);
        assertTrue(v.ok(), v.problems().toString());
        assertEquals(List.of(1L, 2L, 3L, 4L), v.entries().stream().map(Journal.Entry::seq).toList());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    @Test
    void aDeletedLineIsNamed() throws Exception {
        Path f = threeEntries();
        List<String> lines = new ArrayList<>(Files.readAllLines(f));
        lines.remove(1);
        Files.write(f, lines);
        Journal.Verification v = Journal.verify(f);
        assertTrue(v.problems().stream().anyMatch(p -> p.contains("entry #2 is missing")), v.problems().toString());
        try (Journal reopened = Journal.open(f)) {
            assertEquals(1, reopened.problems().size(), "the owner learns of it when the journal opens");
        }
    }

    @Test
    void anEditedLineIsNamed() throws Exception {
        Path f = threeEntries();
        List<String> lines = new ArrayList<>(Files.readAllLines(f));
        lines.set(1, lines.get(1).replace("\"n\":2", "\"n\":20"));
        Files.write(f, lines);
        assertTrue(Journal.verify(f).problems().stream().anyMatch(p -> p.contains("line 2") && p.contains("altered")));
    }

    @Test
    void aLineRehashedAfterAnEditBreaksTheLinkToTheNext() throws Exception {
        Path f = threeEntries();
        List<String> lines = new ArrayList<>(Files.readAllLines(f));
        String json = lines.get(1).substring(65).replace("\"n\":2", "\"n\":20");
        String prev = lines.get(0).substring(0, 64);
        lines.set(1, HashChain.linkBytes(prev, json.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + " " + json);
        Files.write(f, lines);
        assertTrue(Journal.verify(f).problems().stream().anyMatch(p -> p.contains("line 3") && p.contains("does not link")),
                Journal.verify(f).problems().toString());
    }
}
