package io.meshfl.cli;

import io.meshfl.core.catalog.AuditRecord;
import io.meshfl.core.catalog.Catalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code meshfl audit}: every message that crossed between the coordinator and a domain's node,
 * from the catalog's audit log: when, which run and protocol step, from whom to whom, how many
 * payload bytes, under which protection; then totals per step, direction and protection.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Show the cross-domain audit log: every message between the coordinator and the nodes, with its protection.",
        subcommands = AuditVerifyCommand.class)
final class AuditCommand implements Runnable {

    @picocli.CommandLine.Mixin
    CatalogOptions catalog;

    @Option(names = "--run", description = "Only this run's messages.")
    String run;

    @Option(names = "--limit", defaultValue = "40", description = "Messages to list, newest last (0 = all; the totals always cover all).")
    int limit;

    @Override
    public void run() {
        try (Catalog c = catalog.open()) {
            List<AuditRecord> all = c.auditLog(run, 0);
            List<AuditRecord> shown = limit <= 0 || all.size() <= limit ? all : all.subList(all.size() - limit, all.size());
            System.out.printf("%-8s %-24s %-28s %-26s %-26s %10s  %s%n", "SEQ", "TIME", "RUN", "STEP", "FROM -> TO", "BYTES", "PROTECTION");
            for (AuditRecord r : shown) {
                System.out.printf("%-8d %-24s %-28s %-26s %-26s %10d  %s%n", r.seq(), r.at(), r.runId(), r.step(),
                        r.sender() + " -> " + r.receiver(), r.bytes(), r.protection());
            }
            if (shown.size() < all.size()) System.out.printf("(%d earlier messages not listed; --limit 0 lists all)%n", all.size() - shown.size());
            Map<String, long[]> totals = new TreeMap<>();
            for (AuditRecord r : all) {
                String dir = r.sender().equals("coordinator") ? "to node" : "to coordinator";
                long[] t = totals.computeIfAbsent(r.step() + " | " + dir + " | " + r.protection(), k -> new long[2]);
                t[0]++;
                t[1] += r.bytes();
            }
            System.out.printf("%ntotals%s: %d messages%n", run == null ? "" : " of run " + run, all.size());
            System.out.printf("%-80s %10s %14s%n", "STEP | DIRECTION | PROTECTION", "MESSAGES", "BYTES");
            totals.forEach((k, t) -> System.out.printf("%-80s %10d %14d%n", k, t[0], t[1]));
        }
    }
}
