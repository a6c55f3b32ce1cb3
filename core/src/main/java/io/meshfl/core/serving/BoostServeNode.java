package io.meshfl.core.serving;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.monitoring.DriftRecords;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.boost.BoostServing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A party's node in online serving of a boosted model. A host evaluates its split records on every
 * row of its product once and answers a lookup with the packed bits of the keys it knows (and of its
 * row at its means), sealed for the guest; the guest, which alone holds the trees, walks them per key
 * with its own thresholds and those bits, and seals the predictions and each party's coverage for the
 * requester. No feature value and no tree leaves a node; the coordinator relays sealed bytes only.
 */
public final class BoostServeNode extends ServeProtocol {

    /** What the guest keeps: its trees, its rows and its row at its means. */
    private record GuestRows(BoostServing.Guest trees, Dataset rows, double[] mean) {
    }

    @Override
    public String name() {
        return ServeSteps.BOOST;
    }

    @Override
    protected Served prepare(Message req, NodeContext ctx) {
        String modelId = req.cfg("model_id");
        byte[] part = ctx.modelPart(modelId);
        if (BoostServing.isGuest(part, modelId)) {
            BoostServing.Guest g = BoostServing.guest(part, modelId);
            Dataset all = ctx.load(req.cfg("product"), g.features(), null);
            return new Served(all.keys(), 0, new byte[0], new byte[0], Served.Route.NONE, new GuestRows(g, all, all.columnMeans()))
                    .withDrift(DriftRecords.features(ctx, modelId, all));
        }
        BoostServing.Host h = BoostServing.host(part, modelId);
        Dataset all = ctx.load(req.cfg("product"), h.features(), null);
        int w = h.width();
        byte[] rows = new byte[all.rows() * w];
        for (int i = 0; i < all.rows(); i++) h.bits(all.x(), i, all.cols(), rows, i * w);
        byte[] mean = new byte[w];
        h.bits(all.columnMeans(), 0, all.cols(), mean, 0);
        return new Served(all.keys(), w, rows, mean, Served.Route.FINISHER, null).withDrift(DriftRecords.features(ctx, modelId, all));
    }

    @Override
    protected int outputs(Served served) {
        return served.extra() instanceof GuestRows g ? g.trees().objective().classes() : 0;
    }

    /**
     * The guest: opens each host's bits for this call, walks the trees per key (a party's row at its
     * means where it does not know the key, the requester refusing such keys if it asked to), and
     * seals for the requester each party's flags, in the session's party order, then the predictions.
     */
    @Override
    protected Message finish(State s, Message req, NodeContext ctx) {
        if (!(s.served().extra() instanceof GuestRows g)) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, ctx.domain() + " holds no trees to finish a score with");
        }
        byte[] keys = req.blob("keys");
        int[] own = s.rows(keys);
        int n = own.length;
        String call = req.cfg("call");
        List<String> parties = List.of(req.cfg("parties").split(","));
        Map<String, ServeProtocol.Known> known = new HashMap<>();
        for (int p = 1; p < g.trees().parties().size(); p++) {
            String h = g.trees().parties().get(p);
            byte[] pk = s.peers().get(h);
            byte[] box = req.blobs().get("from:" + h);
            if (pk == null || box == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "no split bits of " + h + " for serving call " + call);
            byte[] open = s.seal().open(pk, ServeSteps.toFinisher(ServeSteps.context(s.session(), call, h), ctx.domain()), box);
            known.put(h, ServeProtocol.Known.sized(open, n, h));
        }
        int cols = g.rows().cols(), k = g.trees().objective().classes();
        ByteBuffer out = ByteBuffer.allocate(parties.size() * n + n * k * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (String d : parties) {
            if (d.equals(ctx.domain())) out.put(flags(own));
            else if (known.containsKey(d)) for (boolean b : known.get(d).has()) out.put((byte) (b ? 1 : 0));
            else throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "party " + d + " of this session holds no part of the trees");
        }
        double[] x = g.rows().x();
        for (int i = 0; i < n; i++) {
            Map<Integer, byte[]> bits = new HashMap<>();
            for (int p = 1; p < g.trees().parties().size(); p++) bits.put(p, known.get(g.trees().parties().get(p)).blocks()[i]);
            double[] pred = own[i] >= 0 ? g.trees().predict(x, own[i], cols, bits) : g.trees().predict(g.mean(), 0, cols, bits);
            for (double v : pred) out.putDouble(v);
        }
        return req.reply(ctx.nodeId(), Map.of(), Map.of(), Map.of("final", s.seal().seal(s.requester(), ServeSteps.fin(ServeSteps.context(s.session(),
                call, ctx.domain())), out.array())));
    }
}
