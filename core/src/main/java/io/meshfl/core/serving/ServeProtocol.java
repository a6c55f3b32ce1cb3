package io.meshfl.core.serving;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.seal.SealedBox;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.NodeProtocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The steps every online serving protocol shares on a party's node: it prepares a block per row of
 * its product once ({@link #prepare}), indexes the rows by their keys blinded under the session's
 * key, and answers each lookup with the blocks of the keys it knows, sealed as the served model's
 * {@link Served.Route} says. Feature values never leave; a key it does not know is answered as such.
 * Subclasses say what a row's block is, and a finishing party ({@link #finish}) what it makes of
 * the others' sealed blocks.
 */
public abstract class ServeProtocol implements NodeProtocol {

    private static final String STATE = "serve.state";

    /** What a party keeps for the length of a session. */
    protected static final class State {
        final SealedBox seal = SealedBox.generate();
        String session;
        Served served;
        volatile Map<ByteBuffer, Integer> index;
        byte[] requester;
        /** The sealing keys of the other parties' nodes, by domain, where this party opens or seals for them. */
        final Map<String, byte[]> peers = new LinkedHashMap<>();

        public Served served() {
            return served;
        }

        public SealedBox seal() {
            return seal;
        }

        public byte[] requester() {
            return requester;
        }

        public Map<String, byte[]> peers() {
            return peers;
        }

        public String session() {
            return session;
        }

        /** The row of each blinded key ({@link BlindKeys#BYTES} bytes each), -1 where this party does not know it. */
        public int[] rows(byte[] keys) {
            if (index == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "a serving lookup arrived before the session key");
            if (keys.length % BlindKeys.BYTES != 0) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "blinded keys of " + keys.length + " bytes are not whole keys");
            }
            int n = keys.length / BlindKeys.BYTES;
            int[] rows = new int[n];
            for (int i = 0; i < n; i++) {
                Integer r = index.get(ByteBuffer.wrap(keys, i * BlindKeys.BYTES, BlindKeys.BYTES).slice());
                rows[i] = r == null ? -1 : r;
            }
            return rows;
        }
    }

    /** What this party serves, from every row of its product: one block a row and its row at its means. */
    protected abstract Served prepare(Message req, NodeContext ctx);

    /** How many predictions a key gets from what this party serves (a row's doubles, unless the subclass says otherwise). */
    protected int outputs(Served served) {
        return served.width() / Double.BYTES;
    }

    /** A finishing party's answer to {@link ServeSteps#FINISH}; other parties are never asked. */
    protected Message finish(State s, Message req, NodeContext ctx) {
        throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, ctx.domain() + " finishes no score in a " + name() + " session");
    }

    @Override
    public Message handle(Message req, NodeContext ctx) {
        return switch (req.step()) {
            case ServeSteps.PREPARE -> prepared(req, ctx);
            case ServeSteps.PEERS -> {
                State s = state(req, ctx);
                for (var e : req.blobs().entrySet()) if (e.getKey().startsWith("peer:")) s.peers.put(e.getKey().substring(5), e.getValue());
                yield req.reply(ctx.nodeId(), Map.of("peers", (double) s.peers.size()), Map.of());
            }
            case ServeSteps.KEY -> key(req, ctx);
            case ServeSteps.LOOKUP -> lookup(req, ctx);
            case ServeSteps.FINISH -> finish(state(req, ctx), req, ctx);
            case ServeSteps.CLOSE -> {
                ctx.endJob(req.jobId());
                yield req.reply(ctx.nodeId(), Map.of(), Map.of());
            }
            default -> req.failure(ctx.nodeId(), ErrorCode.PROTOCOL_FAILURE, "unknown serving step '" + req.step() + "'");
        };
    }

    private Message prepared(Message req, NodeContext ctx) {
        State s = new State();
        s.session = req.jobId();
        s.served = prepare(req, ctx);
        if (s.served.keys() == null) throw new MeshflException(ErrorCode.POLICY_VIOLATION, "product " + req.cfg("product", "") + " declares no entity key");
        ctx.jobState(req.jobId()).put(STATE, s);
        Map<String, Double> metrics = new LinkedHashMap<>(s.served.drift());
        metrics.put("rows", (double) s.served.keys().length);
        metrics.put("width", (double) s.served.width());
        metrics.put("outputs", (double) outputs(s.served));
        return req.reply(ctx.nodeId(), metrics, Map.of(),
                Map.of("seal_pk", s.seal.publicKey()));
    }

    private Message key(Message req, NodeContext ctx) {
        State s = state(req, ctx);
        // the node took this key only signed by the requester's domain for this session (on a mesh with a CA)
        s.requester = req.blob("peer:" + req.cfg("requester"));
        byte[] k = s.seal.open(s.requester, ServeSteps.keyContext(s.session, ctx.domain()), req.blob("key"));
        BlindKeys blind = new BlindKeys(k);
        String[] keys = s.served.keys();
        Map<ByteBuffer, Integer> index = new HashMap<>(keys.length * 2);
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] == null) continue;
            Integer prev = index.put(blind.blind(keys[i]), i);
            if (prev != null) {
                // the key itself may be personal data: name the rows, not the value
                throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "product " + req.cfg("product", "") + " has a duplicate entity key at data rows "
                        + (prev + 1) + " and " + (i + 1) + "; serving needs unique keys");
            }
        }
        s.index = index;
        return req.reply(ctx.nodeId(), Map.of("indexed", (double) index.size()), Map.of());
    }

    /** Answers the blocks of the blinded keys this party knows, routed as the served model says. */
    private Message lookup(Message req, NodeContext ctx) {
        State s = state(req, ctx);
        int[] rows = s.rows(req.blob("keys"));
        Served v = s.served;
        String context = ServeSteps.context(s.session, req.cfg("call"), ctx.domain());
        return switch (v.route()) {
            case REQUESTER -> req.reply(ctx.nodeId(), Map.of(), Map.of(), Map.of("partial", s.seal.seal(s.requester, context, known(v, rows))));
            case FINISHER -> {
                String to = req.cfg("finisher");
                byte[] pk = s.peers.get(to);
                if (pk == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "no sealing key of " + to + " arrived for this serving session");
                // the block width first: the finishing party reads it from what this party sealed, not from what the coordinator says
                byte[] k = known(v, rows);
                byte[] sized = ByteBuffer.allocate(Integer.BYTES + k.length).putInt(v.width()).put(k).array();
                yield req.reply(ctx.nodeId(), Map.of(), Map.of(), Map.of("to:" + to, s.seal.seal(pk, ServeSteps.toFinisher(context, to), sized)));
            }
            case COORDINATOR -> {
                // every key gets a block (its row at its means where unknown), so the blocks the coordinator sees show no gaps
                ByteBuffer out = ByteBuffer.allocate(rows.length * v.width());
                for (int r : rows) {
                    if (r >= 0) out.put(v.rows(), r * v.width(), v.width());
                    else out.put(v.mean());
                }
                yield req.reply(ctx.nodeId(), Map.of(), Map.of(ServeSteps.ACT, Served.doubles(out.array(), 0, rows.length * v.width() / Double.BYTES)),
                        Map.of("flags", s.seal.seal(s.requester, ServeSteps.flags(context), flags(rows))));
            }
            case FINAL -> {
                ByteBuffer out = ByteBuffer.allocate(rows.length + rows.length * v.width()).order(ByteOrder.LITTLE_ENDIAN);
                out.put(flags(rows));
                byte[] nan = Served.doubles(nans(v.width() / Double.BYTES));
                for (int r : rows) {
                    if (r >= 0) out.put(v.rows(), r * v.width(), v.width());
                    else out.put(nan);
                }
                yield req.reply(ctx.nodeId(), Map.of(), Map.of(), Map.of("final", s.seal.seal(s.requester, ServeSteps.fin(context), out.array())));
            }
            case NONE -> throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, ctx.domain() + " is not asked to look up keys in this serving session");
        };
    }

    /** The part at its means, a flag a key (1: known), then the blocks of the known keys. */
    private static byte[] known(Served v, int[] rows) {
        int known = 0;
        for (int r : rows) if (r >= 0) known++;
        ByteBuffer out = ByteBuffer.allocate(v.width() + rows.length + known * v.width());
        out.put(v.mean()).put(flags(rows));
        for (int r : rows) if (r >= 0) out.put(v.rows(), r * v.width(), v.width());
        return out.array();
    }

    static byte[] flags(int[] rows) {
        byte[] f = new byte[rows.length];
        for (int i = 0; i < rows.length; i++) f[i] = (byte) (rows[i] >= 0 ? 1 : 0);
        return f;
    }

    static double[] nans(int k) {
        double[] d = new double[k];
        java.util.Arrays.fill(d, Double.NaN);
        return d;
    }

    /** A party's answer to a lookup ({@link #known} layout) opened: its block at its means, the flags, the known keys' blocks. */
    public record Known(byte[] mean, boolean[] has, byte[][] blocks) {

        /** Reads what a party sealed for the finishing party: its block width, then {@code n} keys' flags and blocks. */
        public static Known sized(byte[] open, int n, String who) {
            if (open.length < Integer.BYTES) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, who + " answered " + open.length + " bytes");
            int width = ByteBuffer.wrap(open).getInt();
            if (width < 0 || width > open.length) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, who + " answered blocks of " + width + " bytes");
            return read(java.util.Arrays.copyOfRange(open, Integer.BYTES, open.length), n, width, who);
        }

        /** Reads {@code open} for {@code n} keys of {@code width} bytes, naming {@code who} when it does not add up. */
        public static Known read(byte[] open, int n, int width, String who) {
            if (open.length < width + n) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, who + " answered " + open.length + " bytes for " + n + " keys");
            ByteBuffer in = ByteBuffer.wrap(open);
            byte[] mean = new byte[width];
            in.get(mean);
            boolean[] has = new boolean[n];
            int count = 0;
            for (int i = 0; i < n; i++) {
                has[i] = in.get() == 1;
                if (has[i]) count++;
            }
            if (in.remaining() != count * width) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, who + " answered " + in.remaining() + " bytes for " + count + " known keys of "
                        + width + " bytes");
            }
            byte[][] blocks = new byte[n][];
            for (int i = 0; i < n; i++) {
                blocks[i] = mean;
                if (has[i]) {
                    blocks[i] = new byte[width];
                    in.get(blocks[i]);
                }
            }
            return new Known(mean, has, blocks);
        }
    }

    protected static State state(Message req, NodeContext ctx) {
        Object s = ctx.jobState(req.jobId()).get(STATE);
        if (s == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "serving step '" + req.step() + "' arrived before prepare");
        return (State) s;
    }
}
