package io.meshfl.cli;

import io.meshfl.core.testing.CustomerContracts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlanCommandLabelTest {

    @TempDir
    Path dir;

    /** A vertical job: bank holds the label {@code y} with {@code labels} on three customers, shop two columns of the same customers. */
    private Path folder(int... labels) throws Exception {
        StringBuilder bank = new StringBuilder("cid,y,a\n");
        for (int i = 0; i < labels.length; i++) bank.append("C").append(i + 1).append(',').append(labels[i]).append(",0.5\n");
        Files.writeString(dir.resolve("bank.csv"), bank.toString());
        Files.writeString(dir.resolve("shop.csv"), "cid,b,c\nC1,1.0,2.0\nC2,1.5,2.5\nC3,0.5,3.0\n");
        Files.writeString(dir.resolve("bank.customers.yaml"), CustomerContracts.yaml("bank", CustomerContracts.PII_KEY
                + "      - {name: y, logicalType: integer}\n      - {name: a, logicalType: number}\n", "  label: y\n"));
        Files.writeString(dir.resolve("shop.customers.yaml"), CustomerContracts.yaml("shop", CustomerContracts.PII_KEY
                + "      - {name: b, logicalType: number}\n      - {name: c, logicalType: number}\n", ""));
        Path job = dir.resolve("job.yaml");
        Files.writeString(job, "name: default\nproducts: [bank.customers, shop.customers]\nlabel: y\nmodel: {type: logistic}\n");
        return job;
    }

    @Test
    void aLabelThatDoesNotFitTheObjectiveRefusesThePlanNamingProductLabelRuleAndRow() throws Exception {
        Cli.Result r = Cli.run("plan", "--job", folder(1, 7, 0).toString());
        assertEquals(2, r.code(), r.output());
        assertTrue(r.output().contains("product bank.customers: label 'y' of a binary model must be 0 or 1 for a binary objective; "
                + "row 2 is not; the plan is refused"), r.output());
        // the value stays out of the plan's output, detail line included
        assertFalse(r.output().contains("7"), r.output());
        assertFalse(r.output().contains("PLAN "), r.output());
    }

    @Test
    void aLabelThatFitsIsSaidSoAndOneNotReadableHereIsSaidSoToo() throws Exception {
        Path job = folder(1, 0, 1);
        Cli.Result fits = Cli.run("plan", "--job", job.toString());
        assertEquals(0, fits.code(), fits.output());
        assertTrue(fits.output().contains("label check: bank.customers label 'y' fits a binary objective (3 rows read here)"), fits.output());

        // the same product kept in a database this process does not reach (an empty in-memory one: no such table here)
        Path contract = dir.resolve("bank.customers.yaml");
        Files.writeString(contract, Files.readString(contract).replace("{server: local, type: csv, path: bank.csv}",
                "{server: warehouse, type: jdbc, url: \"jdbc:h2:mem:elsewhere\", table: customers}"));
        Cli.Result elsewhere = Cli.run("plan", "--job", job.toString());
        assertEquals(0, elsewhere.code(), elsewhere.output());
        assertTrue(elsewhere.output().contains("label check: bank.customers is not readable here; its node checks label 'y' against the "
                + "binary objective when the run starts, before entity alignment"), elsewhere.output());
    }
}
