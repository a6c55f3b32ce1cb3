package io.meshfl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CertsCommandTest {

    @TempDir
    Path tmp;

    private String run(String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            assertEquals(0, Main.execute(args), String.join(" ", args));
        } finally {
            System.setOut(out);
        }
        return buf.toString();
    }

    @Test
    void initAddRevokeAndListKeepTheFolderInStep() throws Exception {
        String dir = tmp.resolve("certs").toString();
        run("certs", "init", "--dir", dir, "--domains", "cards-east,cards-west", "--days", "7");
        for (String f : new String[]{"ca.pem", "ca-key.pem", "crl.pem", "coordinator.pem", "coordinator-key.pem", "cards-east.pem", "cards-west-key.pem"}) {
            assertTrue(Files.exists(Path.of(dir, f)), f);
        }
        run("certs", "add", "--dir", dir, "--domain", "cards-south");
        run("certs", "add", "--dir", dir, "--client", "alice");
        run("certs", "revoke", "--dir", dir, "--name", "cards-west");
        String list = run("certs", "list", "--dir", dir);
        assertTrue(list.lines().anyMatch(l -> l.startsWith("cards-west.pem") && l.contains("meshfl://domain/cards-west") && l.endsWith("REVOKED")), list);
        assertTrue(list.lines().anyMatch(l -> l.startsWith("cards-south.pem") && l.endsWith("valid")), list);
        assertTrue(list.contains("meshfl://client/alice") && list.contains("meshfl://coordinator"), list);
        // a second CA in the same folder, or a second live certificate for a domain, is refused
        assertNotEquals(0, Main.execute("certs", "init", "--dir", dir));
        assertNotEquals(0, Main.execute("certs", "add", "--dir", dir, "--domain", "cards-east"));
    }
}
