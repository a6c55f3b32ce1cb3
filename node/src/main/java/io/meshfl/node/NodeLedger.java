package io.meshfl.node;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.PrivacyLedger;
import io.meshfl.core.trust.Journal;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The node's own privacy ledger, the authority for its products' budgets whatever the
 * coordinator's catalog says (the coordinator is the party a budget protects against). Charges are
 * per run (each run has its own nonce, so a job cannot be charged once and run many times), kept
 * in a hash-chained journal ({@code privacy-ledger.jsonl}) and forced to the disk before the
 * charge returns, so no protected update leaves the node ahead of its charge. A ledger whose chain
 * does not verify charges nothing more.
 */
final class NodeLedger {

    private final Journal journal;
    /** product -> run -> epsilon charged */
    private final Map<String, Map<String, Double>> charges = new HashMap<>();

    private NodeLedger(Journal journal) {
        this.journal = journal;
        for (ObjectNode e : journal.entries()) {
            if (!"charge".equals(e.path("kind").asText())) continue;
            charges.computeIfAbsent(e.path("product").asText(), k -> new HashMap<>()).put(e.path("run").asText(), e.path("epsilon").asDouble());
        }
    }

    static NodeLedger inMemory() {
        return new NodeLedger(Journal.inMemory());
    }

    /**
     * The ledger in {@code dir}; charges of the node's former ledger ({@code privacy-ledger.properties},
     * per product and job) are carried over once, so no budget is given back by the upgrade.
     */
    static NodeLedger open(Path dir) {
        Journal j = Journal.open(dir.resolve("privacy-ledger.jsonl"));
        Path legacy = dir.resolve("privacy-ledger.properties");
        if (Files.exists(legacy)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(legacy)) {
                p.load(r);
            } catch (IOException e) {
                throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot read the former privacy ledger " + legacy + ": " + e.getMessage(), e);
            }
            for (String key : p.stringPropertyNames()) {
                int bar = key.indexOf('|');
                if (bar < 0) continue;
                ObjectNode e = JsonNodeFactory.instance.objectNode().put("kind", "charge").put("product", key.substring(0, bar))
                        .put("run", "legacy-job:" + key.substring(bar + 1)).put("epsilon", Double.parseDouble(p.getProperty(key)));
                j.append(e, true);
            }
            try {
                Files.move(legacy, dir.resolve("privacy-ledger.properties.carried-over"));
            } catch (IOException e) {
                throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot retire " + legacy + ": " + e.getMessage(), e);
            }
        }
        return new NodeLedger(j);
    }

    /**
     * Charges {@code epsilon} of run {@code runId} against {@code productId}, or refuses when the
     * product's {@code budget} (null: none) has not that much left. A run charged again (a step
     * sent twice) pays only the difference.
     */
    synchronized void charge(String productId, Double budget, String runId, double epsilon) {
        if (!journal.problems().isEmpty()) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "node refused: its own privacy ledger fails verification ("
                    + journal.problems().get(0) + "); it charges nothing until its owner restores it");
        }
        Map<String, Double> runs = charges.computeIfAbsent(productId, k -> new HashMap<>());
        double before = runs.getOrDefault(runId, 0.0);
        double spentByOthers = spent(productId) - before;
        double charged = Math.max(before, epsilon);
        if (budget != null && spentByOthers + charged > budget * (1 + 1e-12)) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "node refused: " + PrivacyLedger.refusal(productId, budget,
                    spentByOthers, epsilon) + " (this node's own ledger)");
        }
        if (budget == null && Double.isInfinite(charged)) return; // nothing to account for a product without a budget
        if (charged == before && runs.containsKey(runId)) return;
        ObjectNode entry = JsonNodeFactory.instance.objectNode().put("kind", "charge").put("product", productId).put("run", runId)
                .put("epsilon", charged);
        if (budget != null) entry.put("budget", budget);
        journal.append(entry, true);
        runs.put(runId, charged);
    }

    synchronized double spent(String productId) {
        double s = 0;
        for (double v : charges.getOrDefault(productId, Map.of()).values()) s += v;
        return s;
    }
}
