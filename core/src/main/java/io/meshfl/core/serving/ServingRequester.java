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
 * blinds the entity keys of each call, opens the parties' sealed partial scores and turns their sum
 * into predictions, treating a key a party does not know as {@code missing} says. Raw keys and
 * predictions stay here; the coordinator relays blinded keys and sealed blocks only.
 */
public final class ServingRequester {

    /** One call's answer: predictions ({@code outputs} per key, NaN where refused) and which parties knew each key. */
    public record Scored(double[] predictions, int outputs, Map<String, boolean[]> known) {
    }

    private final SealedBox seal = SealedBox.generate();
    private final byte[] key = BlindKeys.newKey();
    private final ThreadLocal<BlindKeys> blind = ThreadLocal.withInitial(() -> new BlindKeys(key));
    private final ModelSpec.Type type;
    private final int outputs;
    private final Missing missing;
    private volatile String session;
    private final Map<String, byte[]> parties = new LinkedHashMap<>();

    public ServingRequester(ModelSpec.Type type, int outputs, Missing missing) {
        if (missing == Missing.FALLBACK_MODEL) throw new MeshflException(ErrorCode.JOB_INVALID, "missing.mode: fallback-model is not available");
        this.type = type;
        this.outputs = outputs;
        this.missing = missing;
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

    /** Opens every party's answer to call {@code call} for {@code n} keys and sums them into predictions. */
    public Scored combine(String call, int n, Map<String, byte[]> sealed) {
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
