package io.meshfl.core.protocol.boost;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.paillier.PaillierPublicKey;
import io.meshfl.core.data.AlignedRows;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.monitoring.DriftRecords;
import io.meshfl.core.model.tree.Objective;
import io.meshfl.core.model.tree.TreeParams;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.NodeProtocol;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.protocol.RunParts;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The node side of vertical boosted trees (SecureBoost). The guest holds the label and the
 * Paillier private key; hosts hold other columns of the same aligned entities. Every payload
 * between parties is sealed end to end, so the coordinator relays what it cannot read.
 */
public final class BoostNode implements NodeProtocol {

    static final String GUEST = "boost.guest";
    static final String HOST = "boost.host";

    @Override
    public String name() {
        return BoostSteps.PROTOCOL;
    }

    @Override
    public Message handle(Message req, NodeContext ctx) {
        return switch (req.step()) {
            case BoostSteps.SETUP -> setup(req, ctx);
            case io.meshfl.core.protocol.LabelCheck.STEP -> io.meshfl.core.protocol.LabelCheck.answer(req, ctx);
            case BoostSteps.PEERS -> peers(req, ctx);
            case BoostSteps.GROUP_SHARE -> BoostGroupSteps.share(req, host(req, ctx));
            case BoostSteps.GROUP_JOIN -> BoostGroupSteps.join(req, host(req, ctx));
            case BoostSteps.GRADIENTS -> guest(req, ctx).gradients(req, Integer.parseInt(req.cfg("tree")));
            case BoostSteps.HISTOGRAM -> host(req, ctx).histogram(req);
            case BoostSteps.SPLIT -> guest(req, ctx).split(req);
            case BoostSteps.PARTITION -> host(req, ctx).partition(req);
            case BoostSteps.ASSIGN -> guest(req, ctx).assign(req);
            case BoostSteps.SAVE -> save(req, ctx);
            case BoostSteps.CHECKPOINT -> checkpoint(req, ctx);
            default -> req.failure(ctx.nodeId(), ErrorCode.PROTOCOL_FAILURE, "unknown secureboost step '" + req.step() + "'");
        };
    }

    private Message setup(Message req, NodeContext ctx) {
        Map<String, Object> job = ctx.jobState(req.jobId());
        String product = req.cfg("product");
        // a run going on under a new coordinator: rows and trees as this party persisted them
        RunCheckpoint resumed = RunParts.resumed(req, ctx, PART);
        int[] aligned = RunParts.alignedRows(resumed, job, product, "secureboost");
        // held-out rows go last, in the order every party derives from the seed (a resumed party's order already is)
        io.meshfl.core.protocol.Holdout.Rows held = io.meshfl.core.protocol.Holdout.of(req, aligned, resumed != null);
        aligned = held.aligned();
        int train = held.train();
        boolean isGuest = req.cfg("role").equals("guest");
        List<String> features = split(req.cfg("features", ""));
        int maxBins = Integer.parseInt(req.cfg("bins"));
        if (isGuest) {
            String label = req.cfg("label");
            Dataset rows = io.meshfl.core.protocol.EvaluationAlignment.append(req, ctx, ctx.loadRows(product, features, label, aligned),
                    features, label);
            Objective objective = objective(req);
            io.meshfl.core.model.Labels.check(objective.task(), objective.classes(), rows.y(),
                    "product " + product + ": label '" + label + "' of boosted trees", "aligned row");
            TreeParams p = new TreeParams(Integer.parseInt(req.cfg("depth")), Double.parseDouble(req.cfg("lr")),
                    Double.parseDouble(req.cfg("min_child_weight")), Double.parseDouble(req.cfg("l2")), Double.parseDouble(req.cfg("min_gain")));
            // the reference of drift: the raw training rows (evaluation rows come after them)
            job.put(DriftRecords.JOB_PROFILES, DriftRecords.profiles(held.training(rows)));
            BoostGuest g = new BoostGuest(ctx.domain(), features, rows.x(), rows.y(), train, p, maxBins, Integer.parseInt(req.cfg("key_bits")),
                    objective);
            g.aligned = aligned;
            g.roster = io.meshfl.core.protocol.group.GroupRoster.parse(req.cfg("groups", ""));
            if (resumed != null) BoostParts.restore(g, resumed);
            job.put(GUEST, g);
            return req.reply(ctx.nodeId(), Map.of("rows", (double) g.n, "splittable", (double) g.bins.splittable()), Map.of(),
                    Map.of("seal_pk", g.seal.publicKey(), "pk", g.keys.pub().toBytes()));
        }
        String group = req.cfg("group", null);
        BoostHost h;
        if (group == null) {
            // a party alone reads only its aligned rows (and its rows of the evaluation entities after them), kept where the
            // node's engine keeps them; the drift reference is its raw training rows
            AlignedRows rows = io.meshfl.core.protocol.EvaluationAlignment.append(req, ctx, ctx.alignedRows(product, features, null, aligned),
                    features, null);
            try {
                h = new BoostHost(ctx.domain(), req.cfg("guest"), features, rows, train, maxBins);
                job.put(DriftRecords.JOB_PROFILES, DriftRecords.profiles(rows, train));
            } finally {
                rows.close(); // the host keeps their bin numbers
            }
        } else {
            // a group member holds the common order sparsely (zero rows where another member holds the entity), reading only its own
            Dataset rows = io.meshfl.core.protocol.EvaluationAlignment.append(req, ctx, ctx.loadSparse(product, features, null, aligned), features, null);
            h = new BoostHost(ctx.domain(), req.cfg("guest"), features, rows.x(), rows.rows(), train,
                    new io.meshfl.core.protocol.group.GroupMember(group, split(req.cfg("group_members")), ctx.domain()),
                    io.meshfl.core.protocol.group.GroupMember.present(io.meshfl.core.protocol.EvaluationAlignment.withEvaluationRows(req, ctx, aligned)));
            // the reference of drift: a group member's own entities only
            job.put(DriftRecords.JOB_PROFILES, DriftRecords.profiles(rows.select(io.meshfl.core.protocol.Holdout.ownTraining(aligned, train))));
        }
        h.aligned = aligned;
        if (resumed != null) BoostParts.restore(h, resumed);
        job.put(HOST, h);
        // a member's bins, and so its splittable columns, are known once the members have merged their sketches
        return req.reply(ctx.nodeId(), group == null ? Map.of("rows", (double) h.n, "splittable", (double) h.splittable.length)
                : Map.of("rows", (double) h.n), Map.of(), Map.of("seal_pk", h.seal.publicKey()));
    }

    /** The objective a setup request names ({@code objective}, {@code classes}); binary when it names none. */
    static Objective objective(Message req) {
        String name = req.cfg("objective", "binary");
        ModelSpec.Task task;
        try {
            task = ModelSpec.Task.valueOf(name.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "unknown boosting objective '" + name + "'");
        }
        return Objective.of(task, Integer.parseInt(req.cfg("classes", "1")));
    }

    private Message peers(Message req, NodeContext ctx) {
        Object s = state(req, ctx);
        Map<String, byte[]> peers = s instanceof BoostGuest g ? g.peers : ((BoostHost) s).peers;
        for (var e : req.blobs().entrySet()) {
            if (e.getKey().startsWith("peer:")) peers.put(e.getKey().substring(5), e.getValue());
        }
        if (s instanceof BoostGuest g) {
            g.active = split(req.cfg("active", ""));
        } else {
            ((BoostHost) s).publicKey(PaillierPublicKey.fromBytes(req.blob("pk")));
        }
        return req.reply(ctx.nodeId(), Map.of(), Map.of());
    }

    private Message save(Message req, NodeContext ctx) {
        Object s = state(req, ctx);
        byte[] bytes = s instanceof BoostGuest g ? ModelParts.write(g.part(Integer.parseInt(req.cfg("trees", Integer.toString(g.trees.size())))))
                : ModelParts.write(((BoostHost) s).part());
        if (s instanceof BoostGuest g) g.enc.close();
        else ((BoostHost) s).close();
        ctx.saveModelPart(req.cfg("model_id"), bytes);
        DriftRecords.saveKept(ctx, ctx.jobState(req.jobId()), req.cfg("model_id"));
        ctx.endJob(req.jobId());
        return req.reply(ctx.nodeId(), Map.of(), Map.of());
    }

    /**
     * Persists this party's part of the trees built so far in its own run folder (the guest: trees
     * and scores; a host: its split records; both: the aligned rows), forced to the disk; answers
     * with its SHA-256, or that it keeps no state folder ({@code persisted} 0).
     */
    private Message checkpoint(Message req, NodeContext ctx) {
        Object s = state(req, ctx);
        return RunParts.answer(req, ctx, PART, round -> s instanceof BoostGuest g ? BoostParts.of(g, round) : BoostParts.of((BoostHost) s, round));
    }

    /** The name of this protocol's parts in a party's run folder. */
    private static final String PART = "secureboost";

    private static Object state(Message req, NodeContext ctx) {
        Map<String, Object> job = ctx.jobState(req.jobId());
        Object s = job.containsKey(GUEST) ? job.get(GUEST) : job.get(HOST);
        if (s == null) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "secureboost step '" + req.step() + "' of job " + req.jobId() + " arrived before setup");
        }
        return s;
    }

    private static BoostGuest guest(Message req, NodeContext ctx) {
        if (state(req, ctx) instanceof BoostGuest g) return g;
        throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "secureboost step '" + req.step() + "' is for the guest, not " + ctx.domain());
    }

    private static BoostHost host(Message req, NodeContext ctx) {
        if (state(req, ctx) instanceof BoostHost h) return h;
        throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "secureboost step '" + req.step() + "' is for a host, not " + ctx.domain());
    }

    /** Binds a sealed payload to its job, tree, level and purpose, so it cannot be replayed elsewhere. */
    static String context(Message req, String what) {
        return req.jobId() + "/boost/" + req.cfg("tree", "-") + "/" + req.cfg("level", "-") + "/" + what;
    }

    /** The context of a payload meant for the step at {@code tree}, {@code level}. */
    static String context(String jobId, int tree, int level, String what) {
        return jobId + "/boost/" + tree + "/" + level + "/" + what;
    }

    static List<String> split(String csv) {
        if (csv == null || csv.isBlank()) return List.of();
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
