package io.meshfl.core.protocol.boost;

import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.PartyCalls;
import io.meshfl.core.protocol.PartyResume;
import io.meshfl.core.protocol.PartyStateRunner;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import io.meshfl.core.protocol.psi.PsiRunner;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The coordinator side of vertical boosted trees: aligns entities by PSI, then relays sealed
 * payloads between the guest (label holder, key owner) and the hosts, tree by tree and level by
 * level. It holds no key and reads no payload; each party saves its own model part under the run id.
 */
public final class BoostRunner implements PartyStateRunner {

    private final JobSpec job;
    private final Plan plan;
    private final Map<String, NodeChannel> byDomain;
    private final RunObserver observer;
    private final Duration timeout;
    private PartyCalls calls;
    /** The parties made of several products (the job's groups). */
    private final io.meshfl.core.protocol.group.GroupRoster roster;
    /** Where the run goes on from after a restart of the coordinator or of a party. */
    private final PartyResume resume = new PartyResume();

    public BoostRunner(JobSpec job, Plan plan, Map<String, NodeChannel> byDomain, RunObserver observer) {
        this.job = job;
        this.plan = plan;
        this.byDomain = Map.copyOf(byDomain);
        this.observer = observer;
        this.timeout = Duration.ofMillis((long) (job.roundTimeoutSeconds() * 1000));
        this.roster = new io.meshfl.core.protocol.group.GroupRoster(plan.groups());
    }

    /** A participant's side of an alignment: a group's member aligns as part of its group's union. */
    private static PsiRunner.Party psiParty(Plan.Participant p, String product) {
        return new PsiRunner.Party(p.domain(), product).inGroup(p.group());
    }

    /**
     * Goes on after the committed tree of {@code checkpoint} instead of starting afresh: every party
     * sets up again from the part it persisted for that tree (the guest its trees and scores, under
     * a new Paillier key; each host its split records), checked against the marker's SHA-256;
     * {@code before} are the trees already recorded.
     */
    @Override
    public BoostRunner resume(RunCheckpoint checkpoint, List<RoundSummary> before) {
        resume.resume(checkpoint, before);
        return this;
    }

    /** Lets the run go on from its last committed tree after losing a party, when {@code r} has every party back. */
    @Override
    public BoostRunner recovery(PartyResume.Recovery r) {
        resume.recovery(r);
        return this;
    }

    @Override
    public RunOutcome run(String jobId, String runId) {
        return resume.run(() -> attempt(jobId, runId), () -> calls.payload(), observer);
    }

    private RunOutcome attempt(String jobId, String runId) {
        long t0 = resume.t0();
        calls = new PartyCalls(byDomain, timeout, "boosted trees cannot go on without every party");
        long[] start = resume.start(calls.traffic());
        JobSpec.BoostSettings bs = job.boost();
        // a multiclass objective grows one tree per class each round, every other one a tree a round
        int perRound = job.model().outputs();
        Plan.Participant guest = plan.participants().get(0);
        List<Plan.Participant> hosts = plan.participants().subList(1, plan.participants().size());
        try {
            RunCheckpoint from = resume.from();
            int aligned;
            io.meshfl.core.protocol.EvaluationAlignment evaluation = new io.meshfl.core.protocol.EvaluationAlignment(job, plan);
            PsiRunner psi = new PsiRunner(byDomain, timeout, observer::log, bs.psiBatch()).seeded(job.seed());
            if (from == null) {
                // the guest checks its label against the objective before any entity is aligned
                io.meshfl.core.protocol.LabelCheck.ask(byDomain.get(guest.domain()), BoostSteps.PROTOCOL, jobId, runId, guest.productId(),
                        plan.label(), job.model().task(), perRound, timeout);
                // out of time, only the label holder's rows up to the cut align for training
                aligned = psi.run(jobId, runId, evaluation.training(BoostRunner::psiParty), false).intersection();
            } else {
                // the entities stay aligned as every party persisted them: no second alignment
                aligned = (int) from.number("psi_intersection", -1);
                observer.log("resumed after tree " + from.round() + " of " + bs.trees() + ", the last one every party had persisted");
            }
            // the evaluation entities, aligned apart (again on a resume: the parties keep only their training rows); they come after
            // every party's training rows, carry no gradient and are scored as held-out rows
            int evaluated = evaluation.align(psi, jobId, runId, byDomain, BoostSteps.PROTOCOL, timeout, observer::log, BoostRunner::psiParty);
            observer.log("guest " + guest.domain() + ": generating a " + bs.keyBits() + "-bit Paillier key");
            Map<String, Message> setups = calls.each(plan.participants(), p -> {
                Map<String, String> cfg = new LinkedHashMap<>();
                cfg.put("product", p.productId());
                cfg.put("role", p.role());
                cfg.put("features", String.join(",", p.features()));
                cfg.put("label", plan.label());
                cfg.put("guest", guest.domain());
                cfg.put("bins", Integer.toString(bs.bins()));
                cfg.put("depth", Integer.toString(bs.depth()));
                cfg.put("lr", Double.toString(bs.lr()));
                cfg.put("min_child_weight", Double.toString(bs.minChildWeight()));
                cfg.put("l2", Double.toString(bs.l2()));
                cfg.put("min_gain", Double.toString(bs.minGain()));
                cfg.put("key_bits", Integer.toString(bs.keyBits()));
                cfg.put("objective", job.model().task().name().toLowerCase(Locale.ROOT));
                cfg.put("classes", Integer.toString(perRound));
                io.meshfl.core.protocol.Holdout.configure(cfg, io.meshfl.core.protocol.Holdout.share(job), job.seed());
                evaluation.configure(cfg, p);
                roster.configure(cfg, p, p == guest);
                if (from != null) {
                    cfg.put("resume_round", Integer.toString(from.round()));
                    cfg.put("resume_part", from.part(p.domain()));
                }
                return request(jobId, runId, BoostSteps.SETUP, p.domain(), cfg, -1, -1);
            });
            Map<String, byte[]> peers = new LinkedHashMap<>();
            for (var e : setups.entrySet()) peers.put("peer:" + e.getKey(), e.getValue().blob("seal_pk"));
            byte[] pk = setups.get(guest.domain()).blob("pk");
            calls.each(hosts, p -> {
                Map<String, byte[]> blobs = new LinkedHashMap<>(peers);
                blobs.put("pk", pk);
                return request(jobId, runId, BoostSteps.PEERS, p.domain(), Map.of(), -1, -1).withBlobs(blobs);
            });
            // the members of each group agree on the party's bins and on their masks' seed, sealed member to member
            Map<String, Message> joined = io.meshfl.core.protocol.group.GroupRelay.agree(calls, plan.participants(), roster,
                    BoostSteps.GROUP_SHARE, BoostSteps.GROUP_JOIN, (step, domain) -> request(jobId, runId, step, domain,
                            Map.of("bins", Integer.toString(bs.bins())), -1, -1));
            for (var g : roster.groups().entrySet()) {
                observer.log(String.format(Locale.ROOT, "group %s: %d members %s cut the party's bins from their merged quantile sketches "
                        + "and share a seed for their masks", g.getKey(), g.getValue().size(), g.getValue()));
            }
            // a host party takes part when one of its columns can split: a group's members cut the same bins, its first member speaks for it
            List<String> active = new ArrayList<>();
            for (Plan.Participant h : hosts) {
                String party = h.group() != null ? h.group() : h.domain();
                if (active.contains(party) || h.group() != null && !roster.domains(party).get(0).equals(h.domain())) continue;
                Message said = h.group() != null ? joined.get(h.domain()) : setups.get(h.domain());
                if (said.metrics().getOrDefault("splittable", 0.0) > 0) {
                    active.add(party);
                } else {
                    observer.log("warning: every column of " + party + " is constant over the " + aligned
                            + " aligned rows; its features cannot split and it sits out the trees");
                }
            }
            if (setups.get(guest.domain()).metrics().getOrDefault("splittable", 0.0) == 0 && active.isEmpty()) {
                observer.log("warning: no party has a non-constant column; every tree will be a single leaf");
            }
            calls.call(guest.domain(), request(jobId, runId, BoostSteps.PEERS, guest.domain(), Map.of("active", String.join(",", active)), -1, -1)
                    .withBlobs(peers));

            List<RoundSummary> history = new ArrayList<>(resume.earlier());
            Map<String, Double> last = history.isEmpty() ? Map.of() : history.get(history.size() - 1).metrics();
            io.meshfl.core.protocol.Selection selection = io.meshfl.core.protocol.Selection.of(job);
            if (selection != null && from != null) selection.restore(from);
            for (int t = from == null ? 0 : from.round(); t < bs.trees(); t++) {
                Map<String, Double> metrics = round(jobId, runId, guest.domain(), active, t, perRound);
                if (lastDiagnostics != null) diagnostics.offer(t + 1, lastDiagnostics, guest.domain());
                metrics.put("psi_intersection", (double) aligned);
                RoundSummary s = new RoundSummary(t + 1, bs.trees(), metrics.get("tree_seconds"), metrics.get("bytes_sent").longValue(),
                        metrics.get("bytes_received").longValue(),
                        plan.participants().size(), List.of(), metrics);
                history.add(s);
                last = metrics;
                if (selection != null) selection.offer(t + 1, metrics);
                Map<String, String> parts = resume.checkpointing() ? checkpoint(jobId, runId, t + 1) : null;
                if (parts == null) {
                    observer.round(s);
                } else {
                    long[] now = calls.traffic();
                    Map<String, Double> numbers = new LinkedHashMap<>(Map.of("psi_intersection", (double) aligned,
                            "bytes_sent", now[0] - start[0] + before("bytes_sent"), "bytes_received", now[1] - start[1] + before("bytes_received"),
                            "payload_bytes", calls.payload() + resume.carriedPayload() + before("payload_bytes"),
                            "seconds", (System.nanoTime() - t0) / 1e9 + before("seconds")));
                    if (selection != null) numbers.putAll(selection.state());
                    RunCheckpoint c = new RunCheckpoint(t + 1, Map.of(), numbers, parts);
                    observer.round(s, c);
                    resume.committed(c, history);
                }
                double elapsed = (System.nanoTime() - t0) / 1e9;
                observer.log(String.format(Locale.ROOT, "%s %d/%d: %s, %.1f s (encrypt %.1f, histograms %.1f, "
                                + "decrypt %.1f, split %.1f, network/other %.1f); ETA %.0f s", perRound > 1 ? "round of " + perRound + " trees" : "tree",
                        t + 1, bs.trees(), quality(metrics), metrics.get("tree_seconds"), metrics.get("encrypt_seconds"), metrics.get("histogram_seconds"),
                        metrics.get("decrypt_seconds"), metrics.get("split_seconds"), metrics.get("network_other_seconds"),
                        elapsed / (t + 1) * (bs.trees() - t - 1)));
                if (selection != null && selection.stops(t + 1, bs.trees(), "tree", observer::log)) break;
            }
            // a job that selects keeps the trees up to the selected one: the guest saves those, the hosts' extra records go unused
            int keep = selection != null && selection.bestRound() > 0 ? selection.bestRound() : history.size();
            calls.each(plan.participants(), p -> request(jobId, runId, BoostSteps.SAVE, p.domain(),
                    Map.of("model_id", runId, "trees", Integer.toString(keep * perRound)), -1, -1));
            long[] bytes = calls.traffic();
            if (from != null) {
                last = new LinkedHashMap<>(last);
                last.put("resumed_from_round", (double) from.round());
            }
            if (selection != null && selection.bestRound() > 0) last = selection.report(last, history);
            return new RunOutcome(new double[0], last, history, bytes[0] - start[0] + (long) before("bytes_sent"),
                    bytes[1] - start[1] + (long) before("bytes_received"), calls.payload() + resume.carriedPayload() + (long) before("payload_bytes"),
                    (System.nanoTime() - t0) / 1e9 + before("seconds"), history.isEmpty() ? null : diagnostics.of(keep, evaluated >= 0 ? evaluation.over() : null));
        } finally {
            calls.close();
        }
    }

    /** The diagnostics the guest returned with the last tree grown, and those of every round of this attempt. */
    private byte[] lastDiagnostics;
    private final io.meshfl.core.protocol.RoundDiagnostics diagnostics = new io.meshfl.core.protocol.RoundDiagnostics();

    /** A number the run had reached before this coordinator took it up (0 for a fresh run). */
    private double before(String name) {
        return resume.before(name);
    }

    /** Has every party persist its part of the trees so far; each party's SHA-256 of it, or null (see {@link PartyResume#parts}). */
    private Map<String, String> checkpoint(String jobId, String runId, int round) {
        return resume.parts(calls.each(plan.participants(), p -> request(jobId, runId, BoostSteps.CHECKPOINT, p.domain(),
                Map.of("round", Integer.toString(round)), -1, -1)), observer);
    }

    /**
     * Round {@code t}: its {@code perRound} trees one after another (tree {@code t * perRound + c} is
     * class c's), the last one's metrics (the guest scores a round when its last tree is grown), the
     * splits, times and bytes of all of them summed.
     */
    private Map<String, Double> round(String jobId, String runId, String guest, List<String> active, int t, int perRound) {
        Map<String, Double> sum = null;
        for (int c = 0; c < perRound; c++) {
            Map<String, Double> m = tree(jobId, runId, guest, active, t * perRound + c);
            if (sum == null) {
                sum = m;
                continue;
            }
            for (String key : ADDED) sum.merge(key, m.getOrDefault(key, 0.0), Double::sum);
            for (var e : m.entrySet()) if (!ADDED.contains(e.getKey())) sum.put(e.getKey(), e.getValue());
        }
        return sum;
    }

    /** What the trees of one round add up to. */
    private static final java.util.Set<String> ADDED = java.util.Set.of("splits", "tree_seconds", "encrypt_seconds", "histogram_seconds",
            "decrypt_seconds", "split_seconds", "network_other_seconds", "bytes_sent", "bytes_received");

    /** The round's model quality for its log line: every reported metric but times, bytes and counts. */
    private static String quality(Map<String, Double> m) {
        java.util.Set<String> other = new java.util.HashSet<>(ADDED);
        other.add("holdout_rows");
        other.add("psi_intersection");
        return io.meshfl.core.metrics.Metrics.describe(m, other);
    }

    /** One tree: gradients, then per level histograms, split choice, host partitions, assignment. Returns its metrics. */
    private Map<String, Double> tree(String jobId, String runId, String guest, List<String> active, int t) {
        long t0 = System.nanoTime();
        long[] b0 = calls.traffic();
        double encrypt = 0, histogram = 0, decrypt = 0, split = 0;
        Message g = calls.call(guest, request(jobId, runId, BoostSteps.GRADIENTS, guest, Map.of(), t, 0));
        encrypt += g.metrics().getOrDefault("encrypt_seconds", 0.0);
        Message assigned = g;
        for (int level = 0; ; level++) {
            int lv = level;
            Message a = assigned;
            // every member of a group party is asked what a party of its own is asked
            List<String> asked = domains(active.stream().filter(h -> a.blobs().containsKey("to:" + roster.domains(h).get(0))).toList());
            List<Message> hists = calls.parallel(asked, h -> {
                Map<String, byte[]> blobs = new LinkedHashMap<>();
                blobs.put("from:" + guest, a.blob("to:" + h));
                if (lv == 0) blobs.put("gh", g.blob("gh:" + h));
                return request(jobId, runId, BoostSteps.HISTOGRAM, h, Map.of(), t, lv).withBlobs(blobs);
            });
            double slowest = 0;
            Map<String, byte[]> toGuest = new LinkedHashMap<>();
            for (int i = 0; i < asked.size(); i++) {
                slowest = Math.max(slowest, hists.get(i).metrics().getOrDefault("histogram_seconds", 0.0));
                toGuest.put("from:" + asked.get(i), hists.get(i).blob("to:" + guest));
            }
            histogram += slowest;
            Message s = calls.call(guest, request(jobId, runId, BoostSteps.SPLIT, guest, Map.of(), t, lv).withBlobs(toGuest));
            decrypt += s.metrics().getOrDefault("decrypt_seconds", 0.0);
            split += s.metrics().getOrDefault("split_seconds", 0.0);
            List<String> winners = BoostNode.split(s.cfg("partition", ""));
            List<String> won = domains(active.stream().filter(winners::contains).toList());
            List<Message> parts = calls.parallel(won, h -> request(jobId, runId, BoostSteps.PARTITION, h, Map.of(), t, lv)
                    .withBlobs(Map.of("from:" + guest, s.blob("to:" + h))));
            Map<String, byte[]> back = new LinkedHashMap<>();
            for (int i = 0; i < won.size(); i++) back.put("from:" + won.get(i), parts.get(i).blob("to:" + guest));
            Message next = calls.call(guest, request(jobId, runId, BoostSteps.ASSIGN, guest, Map.of(), t, lv).withBlobs(back));
            split += next.metrics().getOrDefault("split_seconds", 0.0);
            if (!Boolean.parseBoolean(next.cfg("more", "false"))) {
                lastDiagnostics = next.blobs().get(io.meshfl.core.protocol.Holdout.DIAGNOSTICS);
                double wall = (System.nanoTime() - t0) / 1e9;
                long[] b1 = calls.traffic();
                Map<String, Double> m = new LinkedHashMap<>();
                // the guest's model metrics (on a round's last tree), its split count; the times are measured here
                for (var e : next.metrics().entrySet()) if (!e.getKey().equals("split_seconds")) m.put(e.getKey(), e.getValue());
                m.put("tree_seconds", wall);
                m.put("encrypt_seconds", encrypt);
                m.put("histogram_seconds", histogram);
                m.put("decrypt_seconds", decrypt);
                m.put("split_seconds", split);
                m.put("network_other_seconds", Math.max(0, wall - encrypt - histogram - decrypt - split));
                m.put("bytes_sent", (double) (b1[0] - b0[0]));
                m.put("bytes_received", (double) (b1[1] - b0[1]));
                return m;
            }
            assigned = next;
        }
    }

    /** The domains of host parties: a group's members, or the party itself. */
    private List<String> domains(List<String> parties) {
        List<String> out = new ArrayList<>();
        for (String p : parties) out.addAll(roster.domains(p));
        return out;
    }

    private static Message request(String jobId, String runId, String step, String domain, Map<String, String> cfg, int tree, int level) {
        Map<String, String> c = new LinkedHashMap<>(cfg);
        if (tree >= 0) c.put("tree", Integer.toString(tree));
        if (level >= 0) c.put("level", Integer.toString(level));
        return Message.request(jobId, runId, BoostSteps.PROTOCOL, step, tree, domain).withConfig(c);
    }

}
