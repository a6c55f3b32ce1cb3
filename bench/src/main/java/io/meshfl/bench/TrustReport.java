package io.meshfl.bench;

import java.util.List;
import java.util.Locale;

/**
 * The trust benchmark's block of {@code docs/benchmarks.md}: the demo run, the trust work in one
 * run piece by piece with what the run waits for and what all parties spend, the two ratios
 * against the 2% bar, and the job-signature check per node against the 1 ms bar. Only measured
 * values; every count comes from the run itself.
 */
final class TrustReport {

    static final double RUN_BAR_PCT = 2.0;
    static final double CHECK_BAR_MS = 1.0;

    private TrustReport() {
    }

    static String markdown(TrustBench.Demo demo, TrustRuns.Result runs, TrustSessionCalls.Calls calls, TrustCoordinatorWork.Result coordinator,
                           TrustCoordinatorWork.Chain chain, TrustNodeWork.Result nodes, String loadBefore, String loadAfter) {
        TrustRuns.Counts counts = runs.counts();
        int n = demo.domains().size();
        int cores = Runtime.getRuntime().availableProcessors();
        double run = Stats.median(runs.runMs());

        double sign = Stats.median(coordinator.ticketSign());
        double check = Stats.median(coordinator.check());
        double chainMs = chain.extraMs();
        double seal = Stats.median(coordinator.sealSigned());
        double seals = counts.seals() * seal;
        double coordinatorPieces = sign + check + chainMs + seals;

        double ticketPath = calls.ticketOnPathMs();
        double endSpan = Stats.median(runs.endSpan());
        double auth = Stats.median(nodes.authorize());
        double end = Stats.median(nodes.end());
        double sealCheck = Stats.median(nodes.sealCheck());
        double append = Stats.median(nodes.servedAppend());
        // every request a node serves goes to its audit; the session steps' own appends are inside the rows above
        int servedMax = 0;
        int servedAll = 0;
        for (String d : demo.domains()) {
            int other = counts.nodeServed().get(d) - counts.nodeSession().get(d);
            servedMax = Math.max(servedMax, other);
            servedAll += other;
        }
        double path = coordinatorPieces + ticketPath + servedMax * append;
        double cpu = coordinatorPieces + calls.ticketCpuMs() + calls.endCpuMs() + servedAll * append;

        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "The demo job (3 lending products of %s rows, logistic, %d rounds) on an `EmbeddedMesh` as `meshfl demo` runs it "
                        + "(mutual TLS on loopback, file catalog, node journals on the disk): %d warm-up runs, then %d measured, each started on an idle "
                        + "mesh (%d ms pause before it, outside the timing). The JIT compiler was still at work during the measured runs (%.1f s of "
                        + "compilation over its threads). Counts per run are read back from the catalog and the node journals after the last run. Load "
                        + "average (1, 5, 15 min) %s at the start, %s at the end.%n%n",
                demo.rowsLabel(), counts.rounds(), TrustRuns.RUN_WARMUP, TrustRuns.RUNS, TrustRuns.SETTLE_MS, runs.jitMs() / 1000.0, loadBefore,
                loadAfter));
        md.append(String.format(Locale.ROOT, "Demo run (`runJob`, plan to report): **%.1f ms** median (%.1f-%.1f).%n%n", run, Stats.min(runs.runMs()),
                Stats.max(runs.runMs())));

        md.append("| trust work in one run | count per run | ms each, median (min-max) | on the run's path, ms | CPU, all parties, ms |\n"
                + "|---|---:|---:|---:|---:|\n");
        row(md, "job ticket: drafted and signed by the submitter (EC P-256), in the run as the embedded mesh signs it", "1",
                coordinator.ticketSign(), fmt(sign), fmt(sign));
        row(md, "coordinator: ticket verified; spec, strategy and products matched; grants of " + coordinator.products()
                + " products (catalog record at the pinned version, contract parsed once per version, `Access.refusal`)", "1",
                coordinator.check(), fmt(check), fmt(check));
        md.append(String.format(Locale.ROOT, "| audit chain: `AuditLog.append` of the run's records in %d transactions (one per round, after the finish, after "
                        + "the end), minus the same JDBC inserts with fixed hashes and no chain head: %.2f (%.2f-%.2f) - %.2f (%.2f-%.2f), %d repeats | "
                        + "%d records | %.4f per record | %.2f | %.2f |%n", chain.batches(), Stats.median(chain.chained()), Stats.min(chain.chained()),
                Stats.max(chain.chained()), Stats.median(chain.plain()), Stats.min(chain.plain()), Stats.max(chain.plain()),
                TrustCoordinatorWork.CHAIN_REPEATS, chain.records(), chainMs / chain.records(), chainMs, chainMs));
        md.append(String.format(Locale.ROOT, "| ledger chain (`PrivacyLedger`; the demo job has no differential privacy) | %d entries | - | 0.00 | 0.00 |%n",
                counts.ledgerEntries()));
        row(md, String.format(Locale.ROOT, "seal: `ChainSeals.seal` signed with the coordinator's key (unsigned: %.2f)", Stats.median(coordinator.sealUnsigned())),
                String.valueOf(counts.seals()), coordinator.sealSigned(), fmt(seals), fmt(seals));
        md.append(String.format(Locale.ROOT, "| the ticket on the run's first request: to all %d nodes at once over mutual TLS, each checking it and "
                        + "opening the run before it answers (the first request with the ticket, %.3f ms median, against the same request once the "
                        + "run is open, %.3f ms; %d of each) | 1 | %.3f | %.2f | %.2f |%n", n, Stats.median(calls.openMs()), Stats.median(calls.plainMs()),
                TrustSessionCalls.CALLS, ticketPath, ticketPath, calls.ticketCpuMs()));
        md.append(String.format(Locale.ROOT, "| `session/end`: told to all nodes at once with the seal, on a thread each, after the run's report (in the "
                        + "measured runs %.3f ms median, %.3f-%.3f; made %d times: %.3f) | 1 | %.3f | off the path | %.2f |%n", endSpan,
                Stats.min(runs.endSpan()), Stats.max(runs.endSpan()), TrustSessionCalls.CALLS, Stats.median(calls.endMs()), endSpan, calls.endCpuMs()));
        row(md, "of which, on each node: opening the run on the ticket through `DomainNode.handle` (decode, verify, versions and grants, the "
                + "authorization forced to `runs.jsonl`, the request to the audit)", String.valueOf(n), nodes.authorize(), "(in the first request)",
                String.format(Locale.ROOT, "(%d x = %.2f)", n, n * auth));
        row(md, "of which, on each node: `session/end` through `DomainNode.handle` (seal read, the end to `runs.jsonl` and the request to the audit, "
                + "neither forced)", String.valueOf(n), nodes.end(), "(in the end)", String.format(Locale.ROOT, "(%d x = %.2f)", n, n * end));
        String inRuns = runs.sealCheckCpuMs() < 0 ? "" : String.format(Locale.ROOT, "; in the measured runs that thread used %.2f ms CPU per run",
                runs.sealCheckCpuMs());
        row(md, "of which, on each node: the seal's signature checked after the end is answered, on the nodes' background thread (fields, hash, "
                        + "the certificate against the CA, the signature)" + inRuns, String.valueOf(n * counts.seals()), nodes.sealCheck(), "off the path",
                String.format(Locale.ROOT, "(%d x = %.2f)", n * counts.seals(), n * counts.seals() * sealCheck));
        row(md, String.format(Locale.ROOT, "node: audit journal append of every other request it serves (hash + write, not forced); on the path once per "
                + "request, the nodes serving theirs in parallel"), servedMax + " per node, " + servedAll + " in all", nodes.servedAppend(),
                fmt(servedMax * append), fmt(servedAll * append));
        md.append(String.format(Locale.ROOT, "| **sum** | | | **%.2f** | **%.2f** |%n%n", path, cpu));

        double pathPct = 100 * path / run;
        double cpuPct = 100 * cpu / run;
        md.append(String.format(Locale.ROOT, "**Trust work on the run's path / demo run = %.2f / %.1f ms = %.2f%%** (bar: at most %.0f%%: %s).%n",
                path, run, pathPct, RUN_BAR_PCT, pathPct <= RUN_BAR_PCT ? "met" : "missed"));
        md.append(String.format(Locale.ROOT, "**All trust work's CPU, wherever it runs, every node counted / demo run = %.2f / %.1f ms = %.2f%%** "
                + "(read against the same bar: %s).%n", cpu, run, cpuPct, cpuPct <= RUN_BAR_PCT ? "within it" : "over it"));
        // the bar's own words: the hashing and the signatures, without the calls that carry the ticket and the seal
        double nodeCheck = Stats.median(nodes.signatureCheck());
        double cryptoPath = sign + check + chainMs + seals + nodeCheck + servedMax * append;
        double cryptoCpu = sign + check + chainMs + seals + n * nodeCheck + n * counts.seals() * sealCheck + servedAll * append;
        md.append(String.format(Locale.ROOT, "**The hash chains and signatures alone, without the calls that carry the ticket and "
                        + "the seal: on the path %.2f ms = %.2f%%, in CPU %.2f ms = %.2f%%** (the submitter's signature, the coordinator's check, the "
                        + "audit chain, the signed seal, one node's ticket check on the path and all %d in CPU, the %d seal checks in CPU, the nodes' "
                        + "audit appends).%n%n", cryptoPath, 100 * cryptoPath / run, cryptoCpu, 100 * cryptoCpu / run, n, n * counts.seals()));

        double rawSign = Stats.median(nodes.rawSign());
        double rawVerify = Stats.median(nodes.rawVerify());
        md.append(String.format(Locale.ROOT, "What the path is made of: the coordinator's own pieces %.2f ms (EC P-256 in them: 2 signatures, ticket and seal, "
                        + "and 1 verification, %.2f ms at the raw medians below); the ticket on the run's first request %.2f ms, in which each of %d "
                        + "nodes verifies it (one raw verification %.3f ms; %d cores) and forces one append (%.3f ms median below); the nodes' audit "
                        + "appends %.2f ms. Off the path: the end, told after the report (%.2f ms in the runs), and %d seal checks (%.3f ms each).%n",
                coordinatorPieces, 2 * rawSign + rawVerify, ticketPath, n, rawVerify, cores, Stats.median(nodes.durableAppend()), servedMax * append,
                endSpan, n * counts.seals(), sealCheck));
        md.append(String.format(Locale.ROOT, "Per run: %d audit records, %d ledger entries, %d seal(s); per node %s requests in the node's audit (of which %s "
                        + "session steps, none forced) and %s run-registry entries (of which %s forced: the authorization): %d fsync'd appends per run in all.%n%n",
                counts.auditRecords(), counts.ledgerEntries(), counts.seals(), counts.nodeServed().values(), counts.nodeSession().values(),
                counts.nodeRegistry().values(), counts.nodeForced().values(), counts.sum(counts.nodeForced())));

        md.append(String.format(Locale.ROOT, "Job-signature check per node per run (%d measured after %d warm-up, the %d nodes' verifiers in turn, a fresh "
                + "ticket each of %d):%n%n", TrustNodeWork.CHECKS, TrustNodeWork.CHECK_WARMUP, n, TrustNodeWork.TICKETS));
        md.append("| per node per run | median ms | p95 ms | min ms |\n|---|---:|---:|---:|\n");
        row3(md, "**signature check**: `SignedTicket.decode` + `TicketVerifier.verify` (the certificate's CA signature, revocation, the ticket's "
                + "signature) + version and `Access.refusal` of the node's products", nodes.signatureCheck());
        row3(md, "durable append of the authorization to `runs.jsonl` (hash + write + fsync; " + TrustNodeWork.SESSIONS + " measured, one after each "
                + "run's session steps above)", nodes.durableAppend());
        row3(md, "floor: raw EC P-256 sign (`SHA256withECDSA`, the ticket's " + nodes.ticketBytes() + " bytes)", nodes.rawSign());
        row3(md, "floor: raw EC P-256 verify as the checks make it, BouncyCastle on a key converted once per certificate (a warm check pays "
                + "one: the JDK's certificate factory hands back the same certificate object for the same bytes, and that object remembers the "
                + "CA key it was verified with)", nodes.rawVerify());
        row3(md, "the same verify with the JDK's provider (`SunEC`)", nodes.rawVerifyJdk());
        double sig = Stats.median(nodes.signatureCheck());
        md.append(String.format(Locale.ROOT, "%n**Signature check per node per run = %.3f ms median, p95 %.3f ms** (bar: at most %.0f ms: %s).%n%n",
                sig, Stats.percentile(nodes.signatureCheck(), 95), CHECK_BAR_MS, sig <= CHECK_BAR_MS ? "met" : "missed"));
        md.append(Docs.stamp()).append('\n');
        return md.toString();
    }

    private static String fmt(double ms) {
        return String.format(Locale.ROOT, "%.2f", ms);
    }

    private static void row(StringBuilder md, String what, String count, List<Double> ms, String onPath, String cpu) {
        md.append(String.format(Locale.ROOT, "| %s | %s | %.3f (%.3f-%.3f) | %s | %s |%n", what, count, Stats.median(ms), Stats.min(ms), Stats.max(ms),
                onPath, cpu));
    }

    private static void row3(StringBuilder md, String what, List<Double> ms) {
        md.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f |%n", what, Stats.median(ms), Stats.percentile(ms, 95), Stats.min(ms)));
    }
}
