package io.meshfl.node;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.PrivacyLedger;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * The node's own privacy ledger, kept in its state folder ({@code privacy-ledger.properties}) or in
 * memory: the ε each job charged against each of its products. The node refuses a job its
 * contract's budget cannot pay for, whatever the coordinator's catalog says, since the
 * coordinator is the party a budget protects against.
 */
final class NodePrivacyLedger {

    private final Path file;
    private final Properties charges = new Properties();

    /** @param file where the ledger persists; null keeps it in memory only */
    NodePrivacyLedger(Path file) {
        this.file = file;
        if (file != null && Files.exists(file)) {
            try (Reader r = Files.newBufferedReader(file)) {
                charges.load(r);
            } catch (IOException e) {
                throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot read the privacy ledger " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Charges {@code epsilon} of {@code jobId} against {@code productId}, or refuses when the
     * product's {@code budget} (null: none) has not that much left. A job charged again (a prepare
     * sent twice) pays only the difference.
     */
    synchronized void charge(String productId, Double budget, String jobId, double epsilon) {
        String key = productId + "|" + jobId;
        double before = Double.parseDouble(charges.getProperty(key, "0"));
        double spentByOthers = spent(productId) - before;
        double charged = Math.max(before, epsilon);
        if (budget != null && spentByOthers + charged > budget * (1 + 1e-12)) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "node refused: " + PrivacyLedger.refusal(productId, budget,
                    spentByOthers, epsilon) + " (this node's own ledger" + (file == null ? "" : " " + file) + ")");
        }
        if (budget == null && Double.isInfinite(charged)) return; // nothing to account for a product without a budget
        charges.setProperty(key, Double.toString(charged));
        save();
    }

    synchronized double spent(String productId) {
        double s = 0;
        for (String k : charges.stringPropertyNames()) {
            if (k.startsWith(productId + "|")) s += Double.parseDouble(charges.getProperty(k));
        }
        return s;
    }

    private void save() {
        if (file == null) return;
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (Writer w = Files.newBufferedWriter(tmp)) {
                charges.store(w, "MeshFL node privacy ledger: product|job = epsilon charged");
            }
            // a crash mid-write must not lose charges: replace the ledger in one step
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot write the privacy ledger " + file + ": " + e.getMessage(), e);
        }
    }
}
