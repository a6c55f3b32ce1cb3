package io.meshfl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValidateCommandTest {

    @TempDir
    Path dir;

    private void contract(String domain, String label, String columns, String extra) throws Exception {
        Files.writeString(dir.resolve(domain + ".csv"), "cid" + (label == null ? "" : "," + label) + ",a,b\nC1" + (label == null ? "" : ",1")
                + ",0.5,0.25\n");
        // the key without a classification: these products check fields, not policies
        Files.writeString(dir.resolve(domain + ".customers.yaml"), io.meshfl.core.testing.CustomerContracts.yaml(domain,
                "      - {name: cid, logicalType: string, primaryKey: true}\n" + columns, extra + "\n"));
    }

    private void job(String file, String body) throws Exception {
        Files.writeString(dir.resolve(file), "name: " + file.replace(".yaml", "") + "\n" + body);
    }

    @Test
    void everyErrorOfEveryFileIsReportedAndTheRestStillChecked() throws Exception {
        String cols = "      - {name: a, logicalType: number}\n      - {name: b, logicalType: number}\n";
        contract("bank", "y", "      - {name: y, logicalType: integer}\n" + cols, "  label: y");
        contract("shop", null, cols, "");
        // two errors in one contract: a feature and a label it does not declare
        contract("broken", null, cols, "  label: nope\n  features: [a, missing]");
        job("good.yaml", "products: [bank.customers, shop.customers]\nlabel: y\nmodel: {type: logistic}\n");
        job("misfit.yaml", "products: [bank.customers, shop.customers]\nlabel: y\nmodel: {type: logistic}\nlocal: {epochs: 3}\n");
        job("unknown.yaml", "products: [bank.customers, nobody.customers]\nlabel: y\nmodel: {type: logistic}\n");
        job("typo.yaml", "products: [bank.customers]\nlabel: y\nmodel: {type: logistic}\nrouns: 3\n");
        // three mistakes in one file, all reported at once by its JSON Schema
        job("sloppy.yaml", "products: [bank.customers, shop.customers]\nlabel: y\nmodel: {type: logistic}\nstrategy: sideways\n"
                + "vertical: {epochz: 3, lr: fast}\n");
        Files.writeString(dir.resolve("notes.yaml"), "just: a note\n");

        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ValidateCommand.Result r = ValidateCommand.validate(dir, new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        List<String> lines = out.lines().toList();

        assertEquals(new ValidateCommand.Result(9, 3, 0, 5, 8, 0), r, out);
        assertTrue(lines.contains("ok       contract     bank.customers.yaml  bank.customers v1.0.0"), out);
        assertTrue(lines.contains("ok       job          good.yaml  good -> vertical"), out);
        assertEquals(2, lines.stream().filter(l -> l.startsWith("ERROR    broken.customers.yaml: ")).count(), out);
        assertTrue(out.contains("'missing'") && out.contains("'nope'"), out);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ERROR    misfit.yaml: ") && l.contains("field 'local.epochs' applies to horizontal jobs")), out);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ERROR    unknown.yaml: ") && l.contains("nobody.customers")), out);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ERROR    typo.yaml: ") && l.contains("'rouns'")), out);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("skipped  notes.yaml")), out);
        List<String> sloppy = lines.stream().filter(l -> l.startsWith("ERROR    sloppy.yaml: ")).toList();
        assertEquals(3, sloppy.size(), out);
        assertTrue(sloppy.get(0).contains("field 'strategy'") && sloppy.get(1).contains("field 'vertical.epochz': is not a field")
                && sloppy.get(2).contains("field 'vertical.lr'"), out);
    }

    @Test
    void theCommandExitsTwoOnErrorsAndZeroOnACleanFolder() throws Exception {
        String cols = "      - {name: a, logicalType: number}\n      - {name: b, logicalType: number}\n";
        contract("bank", "y", "      - {name: y, logicalType: integer}\n" + cols, "  label: y");
        contract("shop", null, cols, "");
        job("good.yaml", "products: [bank.customers, shop.customers]\nlabel: y\nmodel: {type: logistic}\n");
        assertEquals(0, Main.execute("validate", dir.toString()));
        job("bad.yaml", "products: [bank.customers, shop.customers]\nlabel: y\nmodel: {type: gbdt, classes: 4}\n");
        assertEquals(2, Main.execute("validate", dir.toString()));
    }
}
