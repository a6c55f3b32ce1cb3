package io.meshfl.core.protocol.vertical;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.paillier.Decryptor;
import io.meshfl.core.crypto.paillier.PaillierKeyPair;
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

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The coordinator side of vertical linear models: aligns entities by PSI, then, as the Paillier
 * arbiter, drives mini-batch gradient descent in which it relays sealed payloads between guest
 * and hosts and decrypts only masked gradients. Each party keeps its own weights; the model
 * parts are saved on the parties under the run id.
 */
public final class VerticalRunner implements PartyStateRunner {

    private final JobSpec job;
    private final Plan plan;
    private final Map<String, NodeChannel> byDomain;
    private final RunObserver observer;
    private final Duration timeout;
    private final List<Link> links;
    private final JobSpec.VerticalSettings vs;
    /** The job's evaluation entities, aligned apart from the training rows. */
    private final io.meshfl.core.protocol.EvaluationAlignment evaluation;
    /** The parties made of several products (the job's groups). */
    private final GroupArbiter groups;
    private PartyCalls calls;
    /** The label holder's diagnostics of every epoch's evaluation in this attempt. */
    private io.meshfl.core.protocol.RoundDiagnostics diagnostics = new io.meshfl.core.protocol.RoundDiagnostics();
    /** Where the run goes on from after a restart of the coordinator or of a party. */
    private final PartyResume resume = new PartyResume();

    /**
     * A many-to-one (or one-to-one) relationship from the guest's base product to one host: the
     * guest's foreign-key column and the host's key column, aligned privately value by value.
     */
    public record Link(String host, String foreignKey, String key) {
    }

    public VerticalRunner(JobSpec job, Plan plan, Map<String, NodeChannel> byDomain, RunObserver observer) {
        this(job, plan, byDomain, observer, List.of());
    }

    /**
     * Training over a join without building it (factorized, sources staying in their domains):
     * every host holds a product the guest's base rows refer to through {@code links}; a host
     * computes its partial scores and its gradient once per distinct row of its own, and full-batch
     * steps take the {@code joined} settings of the job.
     */
    public VerticalRunner(JobSpec job, Plan plan, Map<String, NodeChannel> byDomain, RunObserver observer, List<Link> links) {
        this.job = job;
        this.plan = plan;
        this.links = List.copyOf(links);
        JobSpec.VerticalSettings v = job.vertical();
        JobSpec.JoinedSettings j = job.joined();
        this.vs = links.isEmpty() ? v : new JobSpec.VerticalSettings(j.iterations(), Integer.MAX_VALUE, j.lr(), 0, 0, j.l2(), 0,
                v.keyBits(), v.fracBits(), v.psiBatch(), false, "sgd", j.momentum());
        this.byDomain = Map.copyOf(byDomain);
        this.groups = new GroupArbiter(plan.groups());
        this.evaluation = new io.meshfl.core.protocol.EvaluationAlignment(job, plan);
        if (!groups.isEmpty() && !links.isEmpty()) throw new MeshflException(ErrorCode.PLAN_REFUSED, "a party group does not train over a join");
        this.observer = observer;
        this.timeout = Duration.ofMillis((long) (job.roundTimeoutSeconds() * 1000));
    }

    /**
     * Goes on after the committed epoch of {@code checkpoint} instead of starting afresh: every
     * party sets up again from the part it persisted for that epoch (its aligned rows, weights and
     * optimizer state, checked against the marker's SHA-256), under a new arbiter key; {@code
     * before} are the epochs already recorded. Only runs without links (no join) resume.
     */
    @Override
    public VerticalRunner resume(RunCheckpoint checkpoint, List<RoundSummary> before) {
        if (!links.isEmpty()) throw new MeshflException(ErrorCode.INTERNAL, "a vertical run over a join does not resume");
        resume.resume(checkpoint, before);
        return this;
    }

    /** A model every party starts from instead of fresh weights (see {@link io.meshfl.core.protocol.WarmStart}). */
    public VerticalRunner warmStart(io.meshfl.core.protocol.WarmStart w) {
        if (!links.isEmpty() && w != null) throw new MeshflException(ErrorCode.PLAN_REFUSED, "warmStart: a vertical run over a join starts afresh");
        this.warm = w;
        return this;
    }

    private io.meshfl.core.protocol.WarmStart warm;

    /** Lets the run go on from its last committed epoch after losing a party, when {@code r} has every party back. */
    @Override
    public VerticalRunner recovery(PartyResume.Recovery r) {
        if (links.isEmpty()) resume.recovery(r);
        return this;
    }

    @Override
    public RunOutcome run(String jobId, String runId) {
        return resume.run(() -> attempt(jobId, runId), () -> calls.payload(), observer);
    }

    /**
     * {@code vertical.cardinalityOnly}: the parties' keys are blinded and matched as for training, and only the number of
     * common entities comes out: no party is told which of its rows they are, nothing is set up or trained, no model kept.
     */
    private RunOutcome countOnly(PsiRunner psiRunner, String jobId, String runId, long[] start, long t0) {
        PsiRunner.Result counted = psiRunner.run(jobId, runId, evaluation.training(VerticalRunner::psiParty), true);
        observer.log("vertical.cardinalityOnly: " + counted.intersection() + " entities common to " + counted.sizes()
                + "; no party learns which, nothing is trained");
        long[] bytes = calls.traffic();
        return new RunOutcome(new double[0], Map.of("psi_intersection", (double) counted.intersection()), List.of(), bytes[0] - start[0],
                bytes[1] - start[1], payload(), (System.nanoTime() - t0) / 1e9);
    }

    private RunOutcome attempt(String jobId, String runId) {
        long t0 = resume.t0();
        calls = new PartyCalls(byDomain, timeout, "a vertical job cannot go on without every party's columns");
        long[] start = resume.start(calls.traffic());
        Plan.Participant guest = plan.participants().get(0);
        List<Plan.Participant> hosts = plan.participants().subList(1, plan.participants().size());
        try {
            PsiRunner psiRunner = new PsiRunner(byDomain, timeout, observer::log, vs.psiBatch()).seeded(job.seed());
            int aligned;
            Map<String, Integer> alignedByHost = new LinkedHashMap<>();
            RunCheckpoint from = resume.from();
            if (from != null) {
                // the entities stay aligned as every party persisted them: no second alignment
                aligned = (int) from.number("psi_intersection", -1);
                observer.log("resumed after epoch " + from.round() + " of " + vs.epochs() + ", the last one every party had persisted");
            } else if (links.isEmpty()) {
                // a count of common entities reads no label
                if (vs.cardinalityOnly()) return countOnly(psiRunner, jobId, runId, start, t0);
                // the label holder checks its label against the model before any entity is aligned
                io.meshfl.core.protocol.LabelCheck.ask(byDomain.get(guest.domain()), VerticalSteps.PROTOCOL, jobId, runId, guest.productId(),
                        plan.label(), plan.model().task(), plan.model().classes(), timeout);
                // out of time, only the label holder's rows up to the cut align for training
                aligned = psiRunner.run(jobId, runId, evaluation.training(VerticalRunner::psiParty), false).intersection();
            } else {
                aligned = 0;
                for (Link l : links) {
                    Plan.Participant host = hosts.stream().filter(h -> h.domain().equals(l.host())).findFirst().orElseThrow();
                    observer.log("psi: aligning " + guest.productId() + "." + l.foreignKey() + " with " + host.productId() + "." + l.key());
                    int matched = psiRunner.run(jobId, runId, List.of(new PsiRunner.Party(guest.domain(), guest.productId(), l.foreignKey(), true),
                            new PsiRunner.Party(host.domain(), host.productId(), l.key(), false)), false, l.host()).intersection();
                    alignedByHost.put(l.host(), matched);
                    aligned += matched;
                }
            }
            // the evaluation entities: the label holder checks its evaluation labels, then a second alignment over the evaluation
            // products (a party without one takes part with its training product)
            if (!links.isEmpty() && !evaluation.products().isEmpty()) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, "evaluation products do not score a model trained over a join");
            }
            evaluation.align(psiRunner, jobId, runId, byDomain, VerticalSteps.PROTOCOL, timeout, observer::log, VerticalRunner::psiParty);
            observer.log("arbiter: generating a " + vs.keyBits() + "-bit Paillier key");
            PaillierKeyPair keys = PaillierKeyPair.generate(vs.keyBits(), new SecureRandom());
            Decryptor dec = new Decryptor(keys.priv());
            byte[] pk = keys.pub().toBytes();

            if (from == null && warm != null) {
                observer.log("vertical: warm start from model " + warm.modelId() + ": every party starts from the weights and scaling of its part");
            }
            Map<String, byte[]> sealKeys = new LinkedHashMap<>();
            Map<String, Message> setups = calls.each(plan.participants(), p -> {
                Map<String, String> cfg = new LinkedHashMap<>();
                cfg.put("product", p.productId());
                cfg.put("role", p.role());
                cfg.put("features", String.join(",", p.features()));
                cfg.put("label", plan.label());
                cfg.put("model_type", plan.model().type().name());
                cfg.put("classes", Integer.toString(plan.model().classes()));
                cfg.put("frac_bits", Integer.toString(vs.fracBits()));
                cfg.put("seed", Long.toString(job.seed()));
                io.meshfl.core.protocol.Holdout.configure(cfg, holdout(), job.seed());
                evaluation.configure(cfg, p);
                cfg.put("guest", guest.domain());
                cfg.put("hosts", String.join(",", hosts.stream().map(Plan.Participant::domain).toList()));
                groups.configure(cfg, p, p == guest);
                if (from != null) {
                    cfg.put("resume_round", Integer.toString(from.round()));
                    cfg.put("resume_part", from.part(p.domain()));
                } else if (warm != null) {
                    warm.configure(cfg);
                }
                if (!links.isEmpty()) {
                    cfg.put("full_batch", "true");
                    if (p == guest) cfg.put("joins", String.join(",", links.stream().map(l -> l.host() + "=" + l.host()).toList()));
                    else cfg.put("slot", p.domain());
                }
                return request(jobId, runId, VerticalSteps.SETUP, p.domain(), cfg).withBlobs(Map.of("pk", pk));
            });
            for (var e : setups.entrySet()) sealKeys.put("peer:" + e.getKey(), e.getValue().blob("seal_pk"));
            // Over a join the guest's base rows set the batch; otherwise every party holds the aligned entities.
            int n = links.isEmpty() ? setups.get(guest.domain()).metrics().getOrDefault("train_rows", (double) aligned).intValue()
                    : setups.get(guest.domain()).metrics().get("rows").intValue();
            if (holdout() > 0) {
                observer.log(String.format(Locale.ROOT, "evaluation: %d of the %d aligned rows held out (seeded split every party derives); "
                        + "the other %d train", aligned - n, aligned, n));
            }
            if (!links.isEmpty()) {
                observer.log(String.format(Locale.ROOT, "join: %d rows of %s found their rows in %s (%d distinct keys matched)", n,
                        guest.productId(), hosts.stream().map(Plan.Participant::productId).toList(), aligned));
            }
            calls.each(plan.participants(), p -> request(jobId, runId, VerticalSteps.PEERS, p.domain(), Map.of()).withBlobs(sealKeys));
            groups.join(calls, plan, jobId, runId, observer);

            io.meshfl.core.protocol.Selection selection = links.isEmpty() ? io.meshfl.core.protocol.Selection.of(job) : null;
            if (selection != null && from != null) selection.restore(from);
            List<RoundSummary> history = new ArrayList<>(resume.earlier());
            diagnostics = new io.meshfl.core.protocol.RoundDiagnostics();
            Map<String, Double> last = history.isEmpty() ? Map.of() : history.get(history.size() - 1).metrics();
            for (int epoch = from == null ? 1 : from.round() + 1; epoch <= vs.epochs(); epoch++) {
                long e0 = System.nanoTime();
                long[] b0 = calls.traffic();
                double lr = vs.lr() / (1 + vs.decay() * (epoch - 1));
                double dw2 = 0;
                for (int first = 0; first < n; first += vs.batchSize()) {
                    int end = Math.min(n, first + vs.batchSize());
                    dw2 += batch(jobId, runId, dec, guest, hosts, epoch, first, end, lr);
                }
                Map<String, Double> metrics = new LinkedHashMap<>(evaluate(jobId, runId, guest, hosts, epoch));
                metrics.put("weight_change", dw2);
                metrics.put("psi_intersection", (double) aligned);
                metrics.put("encrypted_units_per_epoch", encryptedUnits(n, guest, hosts, alignedByHost));
                if (!links.isEmpty()) metrics.put("rows_joined", (double) n);
                long[] b1 = calls.traffic();
                RoundSummary s = new RoundSummary(epoch, vs.epochs(), (System.nanoTime() - e0) / 1e9, b1[0] - b0[0], b1[1] - b0[1],
                        plan.participants().size(), List.of(), metrics);
                history.add(s);
                last = metrics;
                // every party keeps the selected epoch's weights before it persists its part, so a resume keeps them too
                if (selection != null && selection.offer(epoch, metrics)) {
                    int e = epoch;
                    calls.each(plan.participants(), p -> request(jobId, runId, VerticalSteps.KEEP, p.domain(), Map.of("epoch", Integer.toString(e))));
                }
                Map<String, String> parts = links.isEmpty() && resume.checkpointing() ? checkpoint(jobId, runId, epoch) : null;
                if (parts == null) {
                    observer.round(s);
                } else {
                    Map<String, Double> numbers = new LinkedHashMap<>(Map.of("psi_intersection", (double) aligned,
                            "bytes_sent", b1[0] - start[0] + before("bytes_sent"), "bytes_received", b1[1] - start[1] + before("bytes_received"),
                            "payload_bytes", payload() + before("payload_bytes"), "seconds", (System.nanoTime() - t0) / 1e9 + before("seconds")));
                    if (selection != null) numbers.putAll(selection.state());
                    RunCheckpoint c = new RunCheckpoint(epoch, Map.of(), numbers, parts);
                    observer.round(s, c);
                    resume.committed(c, history);
                }
                if (selection != null && selection.stops(epoch, vs.epochs(), "epoch", observer::log)) break;
                if (dw2 < vs.tol()) {
                    observer.log(String.format(Locale.ROOT, "converged after epoch %d: squared weight change %.3g < tol %.3g", epoch, dw2, vs.tol()));
                    break;
                }
            }
            boolean selected = selection != null && selection.bestRound() > 0;
            calls.each(plan.participants(), p -> request(jobId, runId, VerticalSteps.SAVE, p.domain(),
                    Map.of("model_id", runId, "selected", Boolean.toString(selected))));
            long[] bytes = calls.traffic();
            if (from != null) {
                last = new LinkedHashMap<>(last);
                last.put("resumed_from_round", (double) from.round());
            }
            // the stored model is the selected epoch's: so are the run's metrics, and the report says which epoch it was
            if (selected) last = selection.report(last, history);
            return new RunOutcome(new double[0], last, history, bytes[0] - start[0] + (long) before("bytes_sent"),
                    bytes[1] - start[1] + (long) before("bytes_received"), payload() + (long) before("payload_bytes"),
                    (System.nanoTime() - t0) / 1e9 + before("seconds"),
                    history.isEmpty() ? null : diagnostics.of(selected ? selection.bestRound() : history.get(history.size() - 1).round()));
        } finally {
            calls.close();
        }
    }

    /** A participant's product in an alignment, as a member of its group when it is one. */
    private static PsiRunner.Party psiParty(Plan.Participant p, String product) {
        return new PsiRunner.Party(p.domain(), product).inGroup(p.group());
    }

    /** The held-out share of the aligned rows the job asks for (0: scored on its training rows). */
    private double holdout() {
        return links.isEmpty() ? io.meshfl.core.protocol.Holdout.share(job) : 0;
    }

    /** A number the run had reached before this coordinator took it up (0 for a fresh run). */
    private double before(String name) {
        return resume.before(name);
    }

    /** Payload of this attempt and of the attempts before it in this process. */
    private long payload() {
        return calls.payload() + resume.carriedPayload();
    }

    /** Has every party persist its part of {@code epoch}; each party's SHA-256 of it, or null (see {@link PartyResume#parts}). */
    private Map<String, String> checkpoint(String jobId, String runId, int epoch) {
        return resume.parts(calls.each(plan.participants(), p -> request(jobId, runId, VerticalSteps.CHECKPOINT, p.domain(),
                Map.of("round", Integer.toString(epoch)))), observer);
    }

    private double batch(String jobId, String runId, Decryptor dec, Plan.Participant guest,
                         List<Plan.Participant> hosts, int epoch, int from, int to, double lr) {
        Map<String, String> pos = Map.of("epoch", Integer.toString(epoch), "from", Integer.toString(from), "to", Integer.toString(to));
        Map<String, byte[]> toGuest = new LinkedHashMap<>();
        if (plan.model().type() == io.meshfl.core.model.ModelSpec.Type.POISSON) {
            // A chain through the hosts: each multiplies in its exp(u_h) before the guest sees the product.
            String prev = null;
            byte[] carried = null;
            for (int i = 0; i < hosts.size(); i++) {
                String h = hosts.get(i).domain();
                String next = i + 1 < hosts.size() ? hosts.get(i + 1).domain() : guest.domain();
                Map<String, String> cfg = new LinkedHashMap<>(pos);
                cfg.put("chain_to", next);
                if (prev != null) cfg.put("chain_from", prev);
                Message m = request(jobId, runId, VerticalSteps.FORWARD, h, cfg);
                if (carried != null) m = m.withBlobs(Map.of("from:" + prev, carried));
                carried = calls.call(h, m).blob("to:" + next);
                prev = h;
            }
            toGuest.put("from:" + prev, carried);
        } else {
            Map<String, Message> fwd = calls.each(hosts, h -> request(jobId, runId, VerticalSteps.FORWARD, h.domain(), pos));
            for (var e : fwd.entrySet()) toGuest.put("from:" + e.getKey(), e.getValue().blob("to:" + guest.domain()));
        }
        Message res = calls.call(guest.domain(), request(jobId, runId, VerticalSteps.RESIDUAL, guest.domain(), pos).withBlobs(toGuest));
        Map<String, Message> grads = new LinkedHashMap<>();
        grads.put(guest.domain(), res);
        grads.putAll(calls.each(hosts, h -> request(jobId, runId, VerticalSteps.GRADIENT, h.domain(), pos)
                .withBlobs(Map.of("from:" + guest.domain(), res.blob("to:" + h.domain())))));
        Map<String, byte[]> plain = groups.decrypt(grads, dec);
        Map<String, String> upd = new LinkedHashMap<>(pos);
        upd.put("lr", Double.toString(lr));
        upd.put("l1", Double.toString(vs.l1()));
        upd.put("l2", Double.toString(vs.l2()));
        upd.put("batch_rows", Integer.toString(to - from));
        upd.put("optimizer", vs.optimizer());
        upd.put("momentum", Double.toString(vs.momentum()));
        Map<String, Message> done = calls.each(plan.participants(), p -> request(jobId, runId, VerticalSteps.UPDATE, p.domain(), upd)
                .withBlobs(Map.of("plain", plain.get(p.domain()))));
        double dw2 = 0;
        for (var m : done.entrySet()) {
            // a group's members step the same weights: their change counts once
            if (groups.counts(m.getKey())) dw2 += m.getValue().metrics().getOrDefault("dw2", 0.0);
        }
        return dw2;
    }

    private Map<String, Double> evaluate(String jobId, String runId, Plan.Participant guest,
                                         List<Plan.Participant> hosts, int epoch) {
        Map<String, String> cfg = Map.of("epoch", Integer.toString(epoch));
        Map<String, Message> scores = calls.each(hosts, h -> request(jobId, runId, VerticalSteps.SCORE, h.domain(), cfg));
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        for (var e : scores.entrySet()) blobs.put("from:" + e.getKey(), e.getValue().blob("to:" + guest.domain()));
        Message r = calls.call(guest.domain(), request(jobId, runId, VerticalSteps.EVALUATE, guest.domain(), cfg).withBlobs(blobs));
        diagnostics.offer(epoch, r, guest.domain());
        return r.metrics();
    }

    /**
     * The encrypted work of one epoch in the cost model's unit (rows x coefficients x outputs, at 1024-bit
     * keys), so the run log can re-fit the machine's encrypted-work constant from actual epochs.
     */
    private double encryptedUnits(int n, Plan.Participant guest, List<Plan.Participant> hosts, Map<String, Integer> alignedByHost) {
        double units = (double) n * (guest.features().size() + 1);
        for (Plan.Participant h : hosts) units += (double) alignedByHost.getOrDefault(h.domain(), n) * h.features().size();
        double scale = vs.keyBits() / 1024.0;
        // one multi-exponentiation per class and column for a multinomial model
        return units * plan.model().outputs() * scale * scale;
    }

    private static Message request(String jobId, String runId, String step, String domain, Map<String, String> cfg) {
        return Message.request(jobId, runId, VerticalSteps.PROTOCOL, step, 0, domain).withConfig(cfg);
    }

}
