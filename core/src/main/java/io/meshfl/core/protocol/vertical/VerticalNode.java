package io.meshfl.core.protocol.vertical;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.NodeProtocol;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The node side of vertical linear models (guest holds the label, hosts hold other columns of
 * the same entities, the coordinator is the Paillier arbiter). Plain values never leave a
 * party except partial scores for evaluation and inference, sealed for the guest; everything
 * the arbiter decrypts is masked with a uniform random value only the sender knows.
 */
public final class VerticalNode implements NodeProtocol {

    static final String STATE = "vertical.party";

    @Override
    public String name() {
        return VerticalSteps.PROTOCOL;
    }

    @Override
    public Message handle(Message req, NodeContext ctx) {
        return switch (req.step()) {
            case VerticalSteps.SETUP -> VerticalSetup.setup(req, ctx);
            case io.meshfl.core.protocol.LabelCheck.STEP -> io.meshfl.core.protocol.LabelCheck.answer(req, ctx);
            case VerticalSteps.PEERS -> {
                Party p = party(req, ctx);
                for (var e : req.blobs().entrySet()) {
                    if (e.getKey().startsWith("peer:")) p.peers.put(e.getKey().substring(5), e.getValue());
                }
                yield req.reply(ctx.nodeId(), Map.of(), Map.of());
            }
            case VerticalSteps.GROUP_SHARE -> GroupSteps.share(req, party(req, ctx));
            case VerticalSteps.GROUP_JOIN -> GroupSteps.join(req, party(req, ctx));
            case VerticalSteps.FORWARD -> forward(req, party(req, ctx));
            case VerticalSteps.RESIDUAL -> residual(req, party(req, ctx));
            case VerticalSteps.GRADIENT -> gradient(req, party(req, ctx));
            case VerticalSteps.UPDATE -> update(req, party(req, ctx));
            case VerticalSteps.SCORE -> VerticalEvaluation.score(req, party(req, ctx));
            case VerticalSteps.EVALUATE -> VerticalEvaluation.evaluate(req, party(req, ctx));
            case VerticalSteps.KEEP -> {
                Party p = party(req, ctx);
                p.keptW = p.w.clone();
                p.keptBias = p.bias.clone();
                yield req.reply(p.domain, Map.of(), Map.of());
            }
            case VerticalSteps.SAVE -> VerticalParts.save(req, ctx, party(req, ctx));
            case VerticalSteps.CHECKPOINT -> VerticalParts.checkpoint(req, ctx, party(req, ctx));
            default -> req.failure(ctx.nodeId(), ErrorCode.PROTOCOL_FAILURE, "unknown vertical step '" + req.step() + "'");
        };
    }

    /**
     * Host: [[factor * u]] for the batch, sealed for the guest. For Poisson regression the hosts
     * form a chain: each multiplies the previous host's [[prod exp(u)]] by its own exp(u_h), so
     * the guest receives [[exp(sum of host scores)]] however many hosts there are.
     */
    private Message forward(Message req, Party p) {
        int[] rows = batch(req, p);
        double[] u = p.partial(rows);
        String to = req.cfg("chain_to", p.guestDomain);
        BigInteger[] ct;
        if (p.model == ModelSpec.Type.POISSON && req.cfg("chain_from", null) != null) {
            onlyFrom(req, p.hosts, p.domain);
            String prev = req.cfg("chain_from");
            ct = hostCiphers(req, p, prev, rows.length * p.outputs);
            for (int i = 0; i < ct.length; i++) ct[i] = p.he.mulPlain(ct[i], p.fp.encode(Math.exp(Math.min(30, u[i]))));
        } else {
            BigInteger[] plain = new BigInteger[u.length];
            for (int i = 0; i < u.length; i++) {
                double v = switch (p.model) {
                    case LOGISTIC -> 0.25 * u[i];
                    case POISSON -> Math.exp(Math.min(30, u[i]));
                    default -> u[i];
                };
                plain[i] = p.fp.encode(v);
            }
            ct = p.enc.encryptAll(plain);
        }
        byte[] sealed = p.seal.seal(p.peer(to), context(req, "u:" + p.domain), CipherCodec.pack(ct, p.pk.nSquared()));
        return req.reply(p.domain, Map.of(), Map.of(), Map.of("to:" + to, sealed));
    }

    /** Guest: [[d]] from its labels, its partial scores and the hosts' encrypted ones; sealed for each host, plus its own masked gradient. */
    private Message residual(Message req, Party p) {
        if (!p.guest) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "residual asked of host " + p.domain);
        onlyFrom(req, p.hosts, p.domain);
        int[] rows = batch(req, p);
        double[] u = p.partial(rows);
        double[] y = new double[rows.length];
        for (int i = 0; i < rows.length; i++) y[i] = p.data.y()[rows[i]];
        BigInteger[] d;
        if (p.model == ModelSpec.Type.SOFTMAX) {
            BigInteger[] hc = null;
            for (String h : p.hosts) {
                BigInteger[] c = hostCiphers(req, p, h, u.length);
                if (hc == null) hc = c;
                else for (int i = 0; i < hc.length; i++) hc[i] = p.he.add(hc[i], c[i]);
            }
            d = SoftmaxResidual.encrypted(p, rows, u, hc, y);
        } else if (p.model == ModelSpec.Type.POISSON) {
            int m = p.hosts.size();
            BigInteger[] e = hostCiphers(req, p, p.hosts.get(m - 1), rows.length);
            BigInteger[] minusY = new BigInteger[rows.length];
            for (int i = 0; i < rows.length; i++) minusY[i] = p.fp.encode(-y[i] * Math.scalb(1.0, p.fracBits * m));
            BigInteger[] ey = p.enc.encryptAll(minusY);
            d = new BigInteger[rows.length];
            for (int i = 0; i < rows.length; i++) {
                d[i] = p.he.add(p.he.mulPlain(e[i], p.fp.encode(Math.exp(Math.min(30, u[i])))), ey[i]);
            }
        } else if (p.index != null) {
            d = joinedResidual(req, p, u, y);
        } else {
            BigInteger[] own = new BigInteger[rows.length];
            for (int i = 0; i < rows.length; i++) own[i] = p.fp.encode(ownResidual(p.model, u[i], y[i]));
            d = p.enc.encryptAll(own);
            for (String h : p.hosts) {
                BigInteger[] hc = hostCiphers(req, p, h, rows.length);
                for (int i = 0; i < d.length; i++) d[i] = p.he.add(d[i], hc[i]);
            }
        }
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        byte[] packed = p.index == null ? CipherCodec.pack(d, p.pk.nSquared()) : null;
        for (String h : p.hosts) {
            byte[] forHost = p.index == null ? packed : CipherCodec.pack(JoinIndex.scatter(p, d, h), p.pk.nSquared());
            blobs.put("to:" + h, p.seal.seal(p.peer(h), context(req, "d:" + h), forHost));
        }
        blobs.put("grad", maskedGradient(p, rows, d, context(req, "mask")));
        return req.reply(p.domain, Map.of("d_scale", (double) dScale(p.model, p.hosts.size())), Map.of(), blobs);
    }

    /** The guest's own share of a row's residual: the Taylor-expanded logistic or the linear one. */
    private static double ownResidual(ModelSpec.Type model, double u, double y) {
        return model == ModelSpec.Type.LOGISTIC ? 0.25 * u - 0.5 * (2 * y - 1) : u - y;
    }

    /**
     * Over a join: each base row's [[d]] is the product of its hosts' ciphertexts (picked through
     * the join index) shifted by the guest's own plain share, so the guest encrypts nothing per base
     * row; what leaves for a host is re-randomized after summing (see {@link #scatter}).
     */
    private BigInteger[] joinedResidual(Message req, Party p, double[] u, double[] y) {
        Map<String, BigInteger[]> hc = new LinkedHashMap<>();
        for (String h : p.hosts) hc.put(h, hostCiphers(req, p, h, p.hostRows.get(h)));
        BigInteger[] d = new BigInteger[u.length];
        IntStream.range(0, u.length).parallel().forEach(i -> {
            BigInteger c = null;
            for (String h : p.hosts) {
                BigInteger x = hc.get(h)[p.index.get(h)[i]];
                c = c == null ? x : p.he.add(c, x);
            }
            d[i] = p.he.addPlain(c, p.fp.encode(ownResidual(p.model, u[i], y[i])));
        });
        return d;
    }

    /** Refuses payloads relayed from a node that is not a party of this job. */
    static void onlyFrom(Message req, List<String> parties, String domain) {
        for (String key : req.blobs().keySet()) {
            if (key.startsWith("from:") && !parties.contains(key.substring(5))) {
                throw new MeshflException(ErrorCode.POLICY_VIOLATION, domain + " refuses a payload from '" + key.substring(5)
                        + "', which is not a party of job " + req.jobId() + " " + parties);
            }
        }
    }

    private BigInteger[] hostCiphers(Message req, Party p, String host, int n) {
        byte[] sealed = req.blob("from:" + host);
        byte[] open = p.seal.open(p.peer(host), context(req, "u:" + host), sealed);
        BigInteger[] c = CipherCodec.unpack(open, p.pk.nSquared(), "partial scores of " + host);
        if (c.length != n) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "host " + host + " sent " + c.length + " partial scores for a batch of " + n);
        }
        return c;
    }

    /** Host: its masked encrypted gradient from the guest's sealed [[d]]. */
    private Message gradient(Message req, Party p) {
        onlyFrom(req, List.of(p.guestDomain), p.domain);
        int[] rows = batch(req, p);
        byte[] open = p.seal.open(p.peer(p.guestDomain), context(req, "d:" + p.domain), req.blob("from:" + p.guestDomain));
        BigInteger[] d = CipherCodec.unpack(open, p.pk.nSquared(), "residuals from " + p.guestDomain);
        if (d.length != rows.length * p.outputs) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "guest sent " + d.length + " residuals for a batch of " + rows.length
                    + (p.outputs > 1 ? " rows of " + p.outputs + " classes" : ""));
        }
        return req.reply(p.domain, Map.of(), Map.of(), Map.of("grad", maskedGradient(p, rows, d, context(req, "mask"))));
    }

    /**
     * [[X^T d_c + r]] per output c and own column (and the bias on the guest), class-major, r
     * uniform mod n and kept here; {@code d} holds {@code outputs} residuals per row. A group member
     * draws r from the members' seed and keeps the sum of every member's r, as the arbiter decrypts
     * only the members' sum.
     */
    private static byte[] maskedGradient(Party p, int[] rows, BigInteger[] d, String context) {
        int k = p.features.size();
        int cols = k + (p.guest ? 1 : 0);
        int outputs = p.outputs;
        BigInteger[][] byOutput = new BigInteger[outputs][];
        for (int c = 0; c < outputs; c++) {
            if (outputs == 1) {
                byOutput[c] = d;
                continue;
            }
            byOutput[c] = new BigInteger[rows.length];
            for (int i = 0; i < rows.length; i++) byOutput[c][i] = d[i * outputs + c];
        }
        BigInteger n = p.pk.n();
        BigInteger[] out = new BigInteger[cols * outputs];
        BigInteger[] masks = new BigInteger[cols * outputs];
        // every column multiplies the same residuals: they are prepared once per output, then each column is one multi-exponentiation
        for (int c = 0; c < outputs; c++) {
            BigInteger[] sums = p.data.cipherSums(rows, byOutput[c], p.pk, p.fracBits, p.guest);
            System.arraycopy(sums, 0, out, c * cols, cols);
        }
        BigInteger[] own = new BigInteger[cols * outputs];
        for (int q = 0; q < cols * outputs; q++) {
            own[q] = p.group == null ? new BigInteger(n.bitLength() + 64, p.random).mod(n) : p.group.mask(context, p.group.index, q, n);
            masks[q] = p.group == null ? own[q] : p.group.maskSum(context, q, n);
        }
        IntStream.range(0, cols * outputs).parallel().forEach(q -> out[q] = p.he.addPlain(out[q], own[q]));
        p.masks = masks;
        return CipherCodec.pack(out, p.pk.nSquared());
    }

    /** Every party: unmask the arbiter's decryption, step its own weights. */
    private Message update(Message req, Party p) {
        if (p.masks == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "update before gradient on " + p.domain);
        BigInteger n = p.pk.n();
        BigInteger[] plain = CipherCodec.unpack(req.blob("plain"), n, "decrypted gradient");
        if (plain.length != p.masks.length) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "arbiter returned " + plain.length + " values for " + p.masks.length + " gradients");
        }
        int b = Integer.parseInt(req.cfg("batch_rows"));
        double lr = Double.parseDouble(req.cfg("lr"));
        double l1 = Double.parseDouble(req.cfg("l1", "0"));
        double l2 = Double.parseDouble(req.cfg("l2", "0"));
        int scale = p.fracBits * (dScale(p.model, p.hosts.size()) + 1);
        String optimizer = req.cfg("optimizer", "sgd");
        double momentum = Double.parseDouble(req.cfg("momentum", "0"));
        if (p.m1 == null) {
            p.m1 = new double[plain.length];
            p.m2 = new double[plain.length];
        }
        p.steps++;
        double dw2 = 0;
        int k = p.features.size();
        int cols = k + (p.guest ? 1 : 0);
        for (int q = 0; q < plain.length; q++) {
            int c = q / cols;
            int j = q % cols;
            BigInteger g = plain[q].subtract(p.masks[q]).mod(n);
            if (g.compareTo(n.shiftRight(1)) > 0) g = g.subtract(n);
            double grad = Math.scalb(g.doubleValue(), -scale) / b;
            double old = j < k ? p.w[c * k + j] : p.bias[c];
            if (j < k) grad += l2 * old;
            double step;
            if (optimizer.equals("adam")) {
                p.m1[q] = 0.9 * p.m1[q] + 0.1 * grad;
                p.m2[q] = 0.999 * p.m2[q] + 0.001 * grad * grad;
                double mh = p.m1[q] / (1 - Math.pow(0.9, p.steps));
                double vh = p.m2[q] / (1 - Math.pow(0.999, p.steps));
                step = lr * mh / (Math.sqrt(vh) + 1e-8);
            } else {
                p.m1[q] = momentum * p.m1[q] + grad;
                step = lr * p.m1[q];
            }
            double nw = old - step;
            if (j < k && l1 > 0) nw = Math.signum(nw) * Math.max(0, Math.abs(nw) - lr * l1);
            if (j < k) p.w[c * k + j] = nw;
            else p.bias[c] = nw;
            dw2 += (nw - old) * (nw - old);
        }
        p.masks = null;
        return req.reply(p.domain, Map.of("dw2", dw2), Map.of());
    }

    /** The alignment slot of a job's evaluation products. */
    static final String EVAL_SLOT = io.meshfl.core.protocol.EvaluationAlignment.SLOT;

    /**
     * Powers of 2^fracBits carried by [[d]]: one; for Poisson one per factor exp(u) multiplied in;
     * three for the multinomial residual (scores, their softmax weights and the outer probability).
     */
    static int dScale(ModelSpec.Type model, int hosts) {
        return switch (model) {
            case POISSON -> hosts + 1;
            case SOFTMAX -> 3;
            default -> 1;
        };
    }

    private static int[] batch(Message req, Party p) {
        return p.batch(Integer.parseInt(req.cfg("epoch")), Integer.parseInt(req.cfg("from")), Integer.parseInt(req.cfg("to")));
    }

    /** Binds a sealed payload to its job, step position and purpose, so it cannot be replayed elsewhere. */
    static String context(Message req, String what) {
        return req.jobId() + "/" + req.cfg("epoch", "-") + "/" + req.cfg("from", "-") + "/" + what;
    }

    private static Party party(Message req, NodeContext ctx) {
        Object p = ctx.jobState(req.jobId()).get(STATE);
        if (p == null) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "vertical step '" + req.step() + "' of job " + req.jobId() + " arrived before setup");
        }
        return (Party) p;
    }

    static List<String> split(String csv) {
        if (csv == null || csv.isBlank()) return List.of();
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
