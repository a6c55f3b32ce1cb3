package io.meshfl.core.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.trust.Journal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cross-checks a node's own audit ({@code audit.jsonl}) and run registry ({@code runs.jsonl}, with
 * the seals the coordinator sent it) against the catalog: every request the node served must be
 * in the catalog's audit with the same step and size, every request the catalog says it sent to
 * the node for a run the node served must be in the node's audit, and every seal the node holds
 * must still be the catalog's, covering records the catalog still has. What the catalog lost or
 * changed since then shows even where its own chain was rebuilt.
 */
public final class NodeAuditCheck {

    /** What the cross-check looked at and found. */
    public record Result(String domain, int served, int runs, int seals, List<String> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private NodeAuditCheck() {
    }

    private record Key(String run, String party, long msgSeq) {
    }

    public static Result check(Catalog catalog, Path nodeStateDir) {
        List<String> problems = new ArrayList<>();
        Journal.Verification audit = Journal.verify(nodeStateDir.resolve("audit.jsonl"));
        Journal.Verification runs = Journal.verify(nodeStateDir.resolve("runs.jsonl"));
        Journal.Verification ledger = Journal.verify(nodeStateDir.resolve("privacy-ledger.jsonl"));
        if (!Files.exists(nodeStateDir.resolve("audit.jsonl"))) problems.add("no audit.jsonl in " + nodeStateDir + ": not a node state folder?");
        audit.problems().forEach(p -> problems.add("node audit: " + p));
        runs.problems().forEach(p -> problems.add("node run registry: " + p));
        ledger.problems().forEach(p -> problems.add("node privacy ledger: " + p));
        return catalog.transaction("cross-check a node's audit", c -> {
            Map<Key, AuditRecord> requests = new HashMap<>();
            Map<Key, AuditRecord> replies = new HashMap<>();
            List<AuditLog.Stored> stored = AuditLog.stored(c);
            Map<Long, String> hashes = new HashMap<>();
            long lastAudit = 0;
            for (AuditLog.Stored s : stored) {
                AuditRecord r = s.record();
                hashes.put(r.seq(), s.hash());
                lastAudit = r.seq();
                if (r.msgSeq() <= 0) continue;
                if ("coordinator".equals(r.sender())) requests.put(new Key(r.runId(), r.receiver(), r.msgSeq()), r);
                else replies.put(new Key(r.runId(), r.sender(), r.msgSeq()), r);
            }
            String domain = null;
            Set<Key> served = new HashSet<>();
            Set<String> servedRuns = new HashSet<>();
            int count = 0;
            for (Journal.Entry e : audit.entries()) {
                ObjectNode b = e.body();
                if (!"served".equals(b.path("kind").asText())) continue;
                long msgSeq = b.path("msg_seq").asLong();
                if (msgSeq <= 0 || b.path("run").asText().isEmpty()) continue;
                domain = b.path("domain").asText();
                count++;
                Key k = new Key(b.path("run").asText(), domain, msgSeq);
                served.add(k);
                servedRuns.add(k.run());
                String where = "node " + domain + " served request #" + msgSeq + " of run " + k.run() + " (" + b.path("step").asText()
                        + ", audit line " + e.line() + ")";
                AuditRecord req = requests.get(k);
                if (req == null) {
                    problems.add(where + " but the catalog's audit has no record of it: deleted from the catalog");
                    continue;
                }
                if (!req.step().equals(b.path("step").asText()) || req.bytes() != b.path("bytes_in").asLong()) {
                    problems.add(where + " but the catalog's audit record #" + req.seq() + " says " + req.step() + ", " + req.bytes()
                            + " bytes (node: " + b.path("bytes_in").asLong() + "): altered in the catalog");
                }
                AuditRecord rep = replies.get(k);
                if (rep != null && rep.bytes() != b.path("bytes_out").asLong()) {
                    problems.add(where + ": the catalog's record #" + rep.seq() + " of its reply says " + rep.bytes() + " bytes, the node sent "
                            + b.path("bytes_out").asLong() + ": altered in the catalog");
                }
            }
            if (domain != null) {
                for (var e : requests.entrySet()) {
                    Key k = e.getKey();
                    if (k.party().equals(domain) && servedRuns.contains(k.run()) && !served.contains(k)) {
                        problems.add("the catalog's audit record #" + e.getValue().seq() + " says request #" + k.msgSeq() + " of run " + k.run()
                                + " (" + e.getValue().step() + ") went to " + domain + ", whose audit has no such request: inserted in the catalog, "
                                + "or lost on the way");
                    }
                }
            }
            Map<Long, ChainSeals.Seal> catalogSeals = new HashMap<>();
            for (ChainSeals.Seal s : ChainSeals.all(c)) catalogSeals.put(s.seq(), s);
            int seals = 0;
            int runCount = 0;
            for (Journal.Entry e : runs.entries()) {
                ObjectNode b = e.body();
                if ("authorize".equals(b.path("kind").asText())) runCount++;
                JsonNode seal = b.path("seal");
                if (!"end".equals(b.path("kind").asText()) || !seal.isObject() || !seal.has("hash")) continue;
                seals++;
                long seq = seal.path("seq").asLong();
                String run = seal.path("run").asText();
                ChainSeals.Seal mine = catalogSeals.get(seq);
                if (mine == null) {
                    problems.add("node " + (domain == null ? "" : domain + " ") + "holds seal #" + seq + " of run " + run
                            + ", which the catalog no longer has: deleted from the catalog");
                } else if (!mine.hash().equals(seal.path("hash").asText())) {
                    problems.add("the catalog's seal #" + seq + " differs from the one the node received at the end of run " + run
                            + ": the catalog's chains were rewritten");
                }
                long auditSeq = seal.path("audit_seq").asLong();
                if (auditSeq > 0) {
                    String h = hashes.get(auditSeq);
                    if (h == null) {
                        problems.add("the seal of run " + run + " the node holds covers audit record #" + auditSeq + ", but the catalog's audit "
                                + (auditSeq > lastAudit ? "ends at #" + lastAudit + ": its newest records were deleted" : "lacks it: deleted"));
                    } else if (!h.equals(seal.path("audit_hash").asText())) {
                        problems.add("the seal of run " + run + " the node holds covers audit record #" + auditSeq + " with another hash: "
                                + "the catalog's audit chain was rewritten up to there");
                    }
                }
            }
            // every charge the node made for a run the catalog knows must be in the catalog's ledger too
            java.util.Set<String> knownRuns = new HashSet<>(Catalog.query(c, "SELECT id FROM runs", ps -> { }, rs -> rs.getString(1)));
            java.util.Set<String> charged = new HashSet<>();
            for (PrivacyLedger.Entry e : PrivacyLedger.entries(c, "", null)) charged.add(e.runId() + "|" + e.productId());
            for (Journal.Entry e : ledger.entries()) {
                ObjectNode b = e.body();
                if (!"charge".equals(b.path("kind").asText())) continue;
                String run = b.path("run").asText();
                if ((knownRuns.contains(run) || servedRuns.contains(run)) && !charged.contains(run + "|" + b.path("product").asText())) {
                    problems.add("node " + (domain == null ? "" : domain + " ") + "charged run " + run + " epsilon " + b.path("epsilon").asDouble()
                            + " for product " + b.path("product").asText() + " (ledger line " + e.line() + "), but the catalog's ledger has no "
                            + "charge of that run: deleted from the catalog");
                }
            }
            return new Result(domain == null ? nodeStateDir.getFileName().toString() : domain, count, runCount, seals, problems);
        });
    }
}
