package io.meshfl.core.serving;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.seal.SealedBox;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.protocol.scoring.Missing;
import io.meshfl.core.protocol.vertical.ScoreLink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The requester's side of a serving session: it draws the session key, seals it for each party,
 * blinds the entity keys of each call, and opens the answer as the model's {@link Kind} says: the
 * parties' partial scores summed (vertical), a finishing party's predictions (boosted trees,
 * horizontal), or the coordinator's top network's predictions (split networks, whose cut layers
 * and predictions the coordinator sees as in batch scoring). Which parties knew each key arrives
 * sealed for the requester; a key a party did not know is treated as {@code missing} says. Raw keys
 * stay here.
 */
public final class ServingRequester {

    /** How a served model's answers come back: partial scores to sum, finished predictions, or the coordinator's top network's. */
    public enum Kind {
        /** Each party's partial scores sealed for the requester, summed here (vertical linear models). */
        SUM,
        /** One finishing party's predictions and every party's coverage, sealed for the requester (boosted trees, horizontal models). */
        FINAL,
        /** The coordinator's predictions from the parties' cut layers, each party's coverage sealed for the requester (split networks). */
        TOP;

        public static Kind of(String name) {
            try {
                return valueOf(name.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the serving session answers in a way this client does not read: '" + name + "'");
            }
        }
    }

    /** The blob of a finishing party's sealed predictions. */
    public static final String FINAL_BLOB = "@final";
    /** The blob of the coordinator's predictions. */
    public static final String PREDICTIONS_BLOB = "@predictions";

    /** One call's answer: predictions ({@code outputs} per key, NaN where refused) and which parties knew each key. */
    public record Scored(double[] predictions, int outputs, Map<String, boolean[]> known) {
    }

    private final SealedBox seal = SealedBox.generate();
    private final byte[] key = BlindKeys.newKey();
    private final ThreadLocal<BlindKeys> blind = ThreadLocal.withInitial(() -> new BlindKeys(key));
    private final Kind kind;
    private final ModelSpec.Type type;
    private final int outputs;
    private final Missing missing;
    private final String finisher;
    private volatile String session;
    private final Map<String, byte[]> parties = new LinkedHashMap<>();

    public ServingRequester(ModelSpec.Type type, int outputs, Missing missing) {
        this(Kind.SUM, type, outputs, missing, null);
    }

    /** A requester of a model answered as {@code kind}; {@code finisher} names the party that finishes a {@link Kind#FINAL} answer. */
    public ServingRequester(Kind kind, ModelSpec.Type type, int outputs, Missing missing, String finisher) {
        if (missing == Missing.FALLBACK_MODEL) throw new MeshflException(ErrorCode.JOB_INVALID, "missing.mode: fallback-model is not available");
        if (kind == Kind.FINAL && finisher == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the serving session names no finishing party");
        if (outputs < 1) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the serving session gives " + outputs + " outputs a key");
        this.kind = kind;
        this.type = type;
        this.outputs = outputs;
        this.missing = missing;
        this.finisher = finisher;
    }
    public byte[] publicKey() {
        return seal.publicKey();
    }

    /** The session key sealed for each party of {@code session}, whose sealing keys are {@code partyKeys}. */
    public Map<String, byte[]> sealedKeys(String session, Map<String, byte[]> partyKeys) {
        this.session = session;
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (var e : partyKeys.entrySet()) {
            parties.put(e.getKey(), e.getValue());
            out.put(e.getKey(), seal.seal(e.getValue(), ServeSteps.keyContext(session, e.getKey()), key));
        }
        return out;
    }

    public List<String> parties() {
        return List.copyOf(parties.keySet());
    }

    /** The blinded forms of {@code keys}, as the parties index their rows. */
    public byte[] blind(String[] keys) {
        return blind.get().blindAll(keys);
    }

    /** Opens the answer to call {@code call} for {@code n} keys and makes it predictions, as the session's kind says. */
    public Scored combine(String call, int n, Map<String, byte[]> sealed) {
        return switch (kind) {
            case SUM -> sum(call, n, sealed);
            case FINAL -> fin(call, n, sealed);
            case TOP -> top(call, n, sealed);
        };
    }

    /** The finishing party's predictions, after each party's flags; a key a party did not know is refused if the requester asked. */
    private Scored fin(String call, int n, Map<String, byte[]> sealed) {
        byte[] box = need(sealed, FINAL_BLOB, finisher, call);
        byte[] pk = parties.get(finisher);
        if (pk == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the finishing party " + finisher + " is no party of this session");
        byte[] open = seal.open(pk, ServeSteps.fin(ServeSteps.context(session, call, finisher)), box);
        int expect = parties.size() * n + n * outputs * Double.BYTES;
        if (open.length != expect) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, finisher + " answered " + open.length + " bytes for " + n + " keys");
        Map<String, boolean[]> known = new LinkedHashMap<>();
        int at = 0;
        for (String p : parties.keySet()) {
            boolean[] has = new boolean[n];
            for (int i = 0; i < n; i++) has[i] = open[at++] == 1;
            known.put(p, has);
        }
        return finished(Served.doubles(open, at, n * outputs), n, known, finisher);
    }

    /** The coordinator's predictions and each party's flags, sealed for the requester. */
    private Scored top(String call, int n, Map<String, byte[]> sealed) {
        byte[] pred = need(sealed, PREDICTIONS_BLOB, "the coordinator", call);
        if (pred.length != n * outputs * Double.BYTES) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the coordinator answered " + pred.length / Double.BYTES + " predictions for " + n + " keys");
        }
        Map<String, boolean[]> known = new LinkedHashMap<>();
        for (var p : parties.entrySet()) {
            byte[] flags = seal.open(p.getValue(), ServeSteps.flags(ServeSteps.context(session, call, p.getKey())), need(sealed, p.getKey(), p.getKey(), call));
            if (flags.length != n) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, p.getKey() + " flagged " + flags.length + " keys of " + n);
            boolean[] has = new boolean[n];
            for (int i = 0; i < n; i++) has[i] = flags[i] == 1;
            known.put(p.getKey(), has);
        }
        return finished(Served.doubles(pred, 0, n * outputs), n, known, "the coordinator");
    }

    /** Predictions made elsewhere: finite wherever every party knew the key, NaN where one did not and the requester refuses such keys. */
    private Scored finished(double[] pred, int n, Map<String, boolean[]> known, String who) {
        for (int i = 0; i < n; i++) {
            boolean all = true;
            for (boolean[] has : known.values()) all &= has[i];
            for (int c = 0; c < outputs; c++) {
                double v = pred[i * outputs + c];
                if (all && !Double.isFinite(v)) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, who + " answered a score that is not finite");
            }
            if (!all && missing == Missing.REFUSE) java.util.Arrays.fill(pred, i * outputs, (i + 1) * outputs, Double.NaN);
        }
        return new Scored(pred, outputs, known);
    }

    private static byte[] need(Map<String, byte[]> sealed, String blob, String who, String call) {
        byte[] b = sealed.get(blob);
        if (b == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "no answer of " + who + " to serving call " + call);
        return b;
    }

    /** Every party's partial scores summed into predictions, a party at its means where it does not know a key. */
    private Scored sum(String call, int n, Map<String, byte[]> sealed) {
        double[] u = new double[n * outputs];
        boolean[] refused = new boolean[n];
        Map<String, boolean[]> known = new LinkedHashMap<>();
        for (var p : parties.entrySet()) {
            byte[] box = sealed.get(p.getKey());
            if (box == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "no answer of " + p.getKey() + " to serving call " + call);
            ByteBuffer in = ByteBuffer.wrap(seal.open(p.getValue(), ServeSteps.context(session, call, p.getKey()), box)).order(ByteOrder.LITTLE_ENDIAN);
            if (in.remaining() < outputs * Double.BYTES + n) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, p.getKey() + " answered " + in.remaining() + " bytes for " + n + " keys");
            }
            double[] mean = new double[outputs];
            for (int c = 0; c < outputs; c++) mean[c] = in.getDouble();
            boolean[] has = new boolean[n];
            int count = 0;
            for (int i = 0; i < n; i++) {
                has[i] = in.get() == 1;
                if (has[i]) count++;
            }
            if (in.remaining() != count * outputs * Double.BYTES) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, p.getKey() + " answered " + in.remaining() / Double.BYTES + " scores for "
                        + count + " known keys");
            }
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < outputs; c++) {
                    double v = has[i] ? in.getDouble() : mean[c];
                    if (!Double.isFinite(v)) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, p.getKey() + " answered a score that is not finite");
                    u[i * outputs + c] += v;
                }
                if (!has[i] && missing == Missing.REFUSE) refused[i] = true;
            }
            known.put(p.getKey(), has);
        }
        double[] pred = ScoreLink.apply(type, u, outputs);
        for (int i = 0; i < n; i++) if (refused[i]) java.util.Arrays.fill(pred, i * outputs, (i + 1) * outputs, Double.NaN);
        return new Scored(pred, outputs, known);
    }
}
