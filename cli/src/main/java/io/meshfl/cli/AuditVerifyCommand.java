package io.meshfl.cli;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ChainVerifier;
import io.meshfl.core.catalog.NodeAuditCheck;
import io.meshfl.core.trust.Pem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code meshfl audit verify}: checks the catalog's hash chains (audit records, ledger entries,
 * run seals and their signatures) and, given node state folders, cross-checks what each node
 * served and the seals it kept against the catalog. Names every record deleted or altered; exits 1
 * when it finds any.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Verify the audit and ledger chains and the coordinator's signed seals; cross-check nodes' own audits.")
final class AuditVerifyCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    CatalogOptions catalog;

    @Option(names = "--ca", description = "The mesh CA certificate (ca.pem) the seals' signer must chain to. Default: certs/ca.pem beside "
            + "the catalog, when there is one.")
    Path ca;

    @Option(names = "--node-audit", paramLabel = "DIR", description = "A node's state folder (its audit.jsonl and runs.jsonl) to cross-check; "
            + "may be given once per node.")
    List<Path> nodeAudits = new ArrayList<>();

    @Override
    public Integer call() {
        Path caFile = ca;
        if (caFile == null) {
            Path beside = catalog.folder().resolve("certs").resolve("ca.pem");
            if (Files.exists(beside)) caFile = beside;
        }
        X509Certificate caCert = caFile == null ? null : Pem.certificate(caFile);
        int problems = 0;
        try (Catalog c = catalog.open()) {
            ChainVerifier.Report r = ChainVerifier.verify(c, caCert);
            System.out.printf("catalog %s%n", catalog.describe());
            System.out.printf("  audit chain   %8d records%n", r.auditRecords());
            System.out.printf("  ledger chain  %8d entries%n", r.ledgerEntries());
            System.out.printf("  seals         %8d (%d signed%s)%n", r.seals(), r.signedSeals(),
                    caCert == null ? "" : ", signers checked against " + caFile);
            for (String n : r.notes()) System.out.println("  note: " + n);
            for (ChainVerifier.Finding f : r.findings()) System.out.println("  TAMPERED " + f);
            problems += r.findings().size();
            for (Path dir : nodeAudits) {
                NodeAuditCheck.Result n = NodeAuditCheck.check(c, dir);
                System.out.printf("node %s (%s): %d requests served, %d runs, %d seals kept%n", n.domain(), dir, n.served(), n.runs(), n.seals());
                for (String p : n.problems()) System.out.println("  TAMPERED " + p);
                problems += n.problems().size();
            }
        }
        System.out.println(problems == 0 ? "verified: no record deleted, inserted or altered" : problems + " problem(s) found");
        return problems == 0 ? 0 : 1;
    }
}
