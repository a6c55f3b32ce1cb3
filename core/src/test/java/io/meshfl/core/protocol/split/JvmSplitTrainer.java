package io.meshfl.core.protocol.split;

import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.Optimizer;
import io.meshfl.core.model.OptimizerSpec;
import io.meshfl.core.model.nn.Activation;
import io.meshfl.core.model.nn.Columns;
import io.meshfl.core.model.nn.Head;
import io.meshfl.core.model.nn.Network;
import io.meshfl.core.protocol.external.ExternalTrainer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * An external trainer in the test's own JVM that runs MeshFL's own layers for a split job: the
 * bottom {@code inputs -> hidden -> cut} (activated) and the top {@code inputs -> topHidden ->
 * outputs}, each a single dense tensor pair per layer named {@code l0.weight}, {@code l0.bias}, ...
 * With the seeds the node passes it starts where MeshFL's own split network starts, so the two runs
 * can be compared value for value. {@code mode} makes it misbehave for the refusal tests.
 */
final class JvmSplitTrainer implements ExternalTrainer {

    final List<Integer> hidden;
    final List<Integer> topHidden;
    final String mode;
    private ExternalTrainer.Part part;
    private final Map<Role, Network> nets = new LinkedHashMap<>();
    private final Map<Role, double[]> params = new LinkedHashMap<>();
    private final Map<Role, Optimizer> opts = new LinkedHashMap<>();
    private final Map<Role, Integer> steps = new LinkedHashMap<>();
    private Head head;
    private int lastRows;
    /** Every call's name, in order, for the test to read. */
    final List<String> calls = new ArrayList<>();

    JvmSplitTrainer(List<Integer> hidden, List<Integer> topHidden, String mode) {
        this.hidden = hidden;
        this.topHidden = topHidden;
        this.mode = mode;
    }

    /** The tensors MeshFL's own dense layers hold, by layer: weight [out, in] then bias [out]. */
    static List<Tensor> declared(Network net) {
        List<Tensor> out = new ArrayList<>();
        int k = 0;
        for (var layer : net.layers()) {
            if (!(layer instanceof io.meshfl.core.model.nn.Dense d)) continue;
            out.add(new Tensor("l" + k + ".weight", new long[]{d.outputs(), d.inputs()}, new double[0]));
            out.add(new Tensor("l" + k + ".bias", new long[]{d.outputs()}, new double[0]));
            k++;
        }
        return out;
    }

    @Override
    public String name() {
        return "jvm-split";
    }

    @Override
    public Description describe() {
        return new Description("jvm-split", "1", List.of());
    }

    @Override
    public long load(Part p) {
        calls.add("load");
        part = p;
        return p.rows();
    }

    @Override
    public List<Tensor> splitSetup(SplitSetup s) {
        calls.add("setup " + s.role().wire());
        head = new Head(s.task(), s.outputs());
        Network net = s.role() == Role.BOTTOM ? Network.mlp(s.inputs(), hidden, s.outputs(), Activation.RELU, true)
                : Network.mlp(s.inputs(), topHidden, s.outputs(), Activation.RELU, false);
        double[] p = new double[net.numParams()];
        net.init(p, new Random(s.seed()));
        nets.put(s.role(), net);
        params.put(s.role(), p);
        opts.put(s.role(), (s.optimizer().equals("adam") ? OptimizerSpec.adam(s.learningRate()) : OptimizerSpec.sgd(s.learningRate(), 0.0)).create());
        steps.put(s.role(), 0);
        List<Tensor> d = declared(net);
        if (mode.equals("declare-extra") && s.role() == Role.BOTTOM) d.add(new Tensor("memorized.rows", new long[]{1}, new double[0]));
        return d;
    }

    @Override
    public double[] forward(String jobId, int[] rows, boolean training) {
        Network net = nets.get(Role.BOTTOM);
        double[] x = Columns.gather(new io.meshfl.core.data.Dataset(part.columns(), part.x(), null, null, part.rows()), rows);
        double[] a = (training ? net : net.forPrediction()).forward(params.get(Role.BOTTOM), x, rows.length);
        if (training) lastRows = rows.length;
        if (mode.equals("nan")) a[0] = Double.NaN;
        if (mode.equals("short")) return Arrays.copyOf(a, a.length - 1);
        return a;
    }

    @Override
    public void backward(String jobId, double[] gradient, int rows, int width) {
        double[] g = new double[params.get(Role.BOTTOM).length];
        nets.get(Role.BOTTOM).backwardParams(params.get(Role.BOTTOM), gradient, g);
        step(Role.BOTTOM, g);
    }

    @Override
    public TopStep topStep(String jobId, int[] rows, double[] input, int width) {
        Network top = nets.get(Role.TOP);
        double[] p = params.get(Role.TOP);
        double[] logits = top.forward(p, input, rows.length);
        double[] y = new double[rows.length];
        for (int i = 0; i < rows.length; i++) y[i] = part.label()[rows[i]];
        double[] d = new double[logits.length];
        double loss = head.loss(logits, y, d);
        double[] g = new double[p.length];
        double[] gx = top.backward(p, d, g);
        step(Role.TOP, g);
        return new TopStep(loss, gx);
    }

    @Override
    public double[] topPredict(String jobId, double[] input, int rows, int width) {
        return nets.get(Role.TOP).forPrediction().forward(params.get(Role.TOP), input, rows);
    }

    @Override
    public State state(String jobId, Role role) {
        List<Tensor> out = new ArrayList<>();
        double[] p = params.get(role);
        int off = 0;
        for (Tensor t : declared(nets.get(role))) {
            int n = (int) Arrays.stream(t.shape()).reduce(1, (a, b) -> a * b);
            out.add(new Tensor(t.name(), t.shape(), Arrays.copyOfRange(p, off, off + n)));
            off += n;
        }
        // the optimizer's state as a trainer would write it: its step count, then each named array
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream o = new java.io.DataOutputStream(bytes)) {
            o.writeInt(steps.get(role));
            Map<String, double[]> st = opts.get(role).state();
            o.writeInt(st.size());
            for (var e : st.entrySet()) {
                o.writeUTF(e.getKey());
                o.writeInt(e.getValue().length);
                for (double v : e.getValue()) o.writeDouble(v);
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return new State(out, bytes.toByteArray());
    }

    @Override
    public void restore(String jobId, Role role, State state) {
        double[] p = params.get(role);
        int off = 0;
        for (Tensor t : state.parameters()) {
            System.arraycopy(t.values(), 0, p, off, t.values().length);
            off += t.values().length;
        }
        if (state.optimizer().length == 0) return;
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(state.optimizer()))) {
            steps.put(role, in.readInt());
            Map<String, double[]> st = new LinkedHashMap<>();
            for (int k = in.readInt(); k > 0; k--) {
                String name = in.readUTF();
                double[] v = new double[in.readInt()];
                for (int i = 0; i < v.length; i++) v[i] = in.readDouble();
                st.put(name, v);
            }
            opts.get(role).restore(st);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Fitted fit(Fit fit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Scores predict(String jobId, String part, List<Tensor> parameters) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void release(String jobId) {
    }

    @Override
    public void close() {
    }

    private void step(Role role, double[] g) {
        int t = steps.get(role) + 1;
        steps.put(role, t);
        opts.get(role).step(params.get(role), g, t);
    }

    ModelSpec.Task task() {
        return head.task();
    }
}
