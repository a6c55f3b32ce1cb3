package io.meshfl.node.trainer;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.LocalConfig;
import io.meshfl.core.model.LocalResult;
import io.meshfl.core.model.LocalTrainer;
import io.meshfl.core.model.Mlp;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.OptimizerSpec;
import io.meshfl.proto.trainer.Block;
import io.meshfl.proto.trainer.DescribeReply;
import io.meshfl.proto.trainer.DescribeRequest;
import io.meshfl.proto.trainer.FitReply;
import io.meshfl.proto.trainer.FitRequest;
import io.meshfl.proto.trainer.LoadReply;
import io.meshfl.proto.trainer.LoadRequest;
import io.meshfl.proto.trainer.PredictReply;
import io.meshfl.proto.trainer.PredictRequest;
import io.meshfl.proto.trainer.ReleaseReply;
import io.meshfl.proto.trainer.ReleaseRequest;
import io.meshfl.proto.trainer.Tensor;
import io.meshfl.proto.trainer.TrainerServiceGrpc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A trainer as a data scientist's process would be, in Java: it serves the trainer protocol on the
 * socket of MESHFL_TRAINER_SOCKET, refuses calls without MESHFL_TRAINER_TOKEN, and fits MeshFL's own
 * MLP ({@code inputs -> hidden -> 1}) with MeshFL's own local trainer, declared as
 * fc1.weight, fc1.bias, fc2.weight, fc2.bias. Its first argument makes it misbehave: honest,
 * wrong-shape, extra, nan, hang, exit, declare-wrong, lose-rows, bad-scores; bulk (honest, the
 * parameters in the node's files beside the call) and bulk-link (writes its answer into another file
 * and puts a link to it where the node's output file was).
 */
public final class FakeTrainer extends TrainerServiceGrpc.TrainerServiceImplBase {

    private final String mode;
    private final int inputs;
    private final int hidden;
    private final Map<String, Dataset> parts = new ConcurrentHashMap<>();
    /** The socket's folder, where the node's parameter files are (bulk modes). */
    private java.nio.file.Path folder;

    FakeTrainer(String mode, int inputs, int hidden) {
        this.mode = mode;
        this.inputs = inputs;
        this.hidden = hidden;
    }

    private boolean bulk() {
        return mode.startsWith("bulk");
    }

    public static void main(String[] args) throws Exception {
        String socket = System.getenv("MESHFL_TRAINER_SOCKET");
        String token = System.getenv("MESHFL_TRAINER_TOKEN");
        if (socket == null || token == null || token.length() != 64) {
            System.err.println("no socket or token in the environment");
            System.exit(2);
        }
        FakeTrainer fake = new FakeTrainer(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        fake.folder = java.nio.file.Path.of(socket).getParent();
        Server server = serve(fake, socket, token);
        System.out.println("fake trainer " + args[0] + " listening");
        server.awaitTermination();
    }

    /** Serves {@code service} on the Unix socket {@code path}, refusing calls without {@code token}. */
    static Server serve(TrainerServiceGrpc.TrainerServiceImplBase service, String path, String token) throws java.io.IOException {
        ServerInterceptor check = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                if (!token.equals(headers.get(GrpcTrainer.TOKEN))) {
                    call.close(Status.UNAUTHENTICATED.withDescription("wrong trainer token"), new Metadata());
                    return new ServerCall.Listener<>() { };
                }
                return next.startCall(call, headers);
            }
        };
        return NettyServerBuilder.forAddress(new DomainSocketAddress(path)).channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(new EpollEventLoopGroup(1)).workerEventLoopGroup(new EpollEventLoopGroup(1))
                .maxInboundMessageSize(Integer.MAX_VALUE).addService(ServerInterceptors.intercept(service, check)).build().start();
    }

    private Mlp mlp() {
        return new Mlp(new ModelSpec(ModelSpec.Type.MLP, List.of(hidden), 2, 0.0), inputs);
    }

    private List<Tensor> layout(double[] flat) {
        long[][] shapes = {{hidden, inputs}, {hidden}, {1, hidden}, {1}};
        String[] names = {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"};
        if (mode.equals("declare-wrong")) shapes[2] = new long[]{hidden, 1};
        List<Tensor> out = new ArrayList<>();
        int off = 0;
        for (int i = 0; i < names.length; i++) {
            Tensor.Builder b = Tensor.newBuilder().setName(names[i]);
            int n = 1;
            for (long d : shapes[i]) {
                b.addShape(d);
                n *= (int) d;
            }
            if (flat != null) b.setData(GrpcTrainer.bytes(java.util.Arrays.copyOfRange(flat, off, off + n)));
            off += n;
            out.add(b.build());
        }
        return out;
    }

    private static double[] flat(List<Tensor> tensors) {
        List<Double> v = new ArrayList<>();
        for (Tensor t : tensors) for (double d : GrpcTrainer.doubles(t.getData(), "a tensor")) v.add(d);
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The values of a file the node named, little-endian float64. */
    private double[] read(String name) {
        try {
            byte[] raw = java.nio.file.Files.readAllBytes(folder.resolve(name));
            double[] v = new double[raw.length / 8];
            java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(v);
            return v;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Writes the answer into the node's output file in place; bulk-link writes it elsewhere and links the name to it. */
    private void answerInFile(String name, double[] values) throws java.io.IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * values.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(values);
        java.nio.file.Path target = folder.resolve(name);
        if (mode.equals("bulk-link")) {
            java.nio.file.Path elsewhere = folder.resolve("elsewhere.bin");
            java.nio.file.Files.write(elsewhere, b.array());
            java.nio.file.Files.delete(target);
            java.nio.file.Files.createSymbolicLink(target, elsewhere);
            return;
        }
        java.nio.file.Files.write(target, b.array(), java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
    }

    @Override
    public void describe(DescribeRequest r, StreamObserver<DescribeReply> out) {
        out.onNext(DescribeReply.newBuilder().setName("fake-" + r.getTrainer()).setVersion("1").addAllParameters(layout(null)).setBulk(bulk()).build());
        out.onCompleted();
    }

    @Override
    public void load(LoadRequest r, StreamObserver<LoadReply> out) {
        Block f = r.getFeatures();
        int rows = (int) f.getRows();
        int cols = f.getColumnsCount();
        double[] x = new double[rows * cols];
        double[] columnMajor = GrpcTrainer.doubles(f.getData(), "features");
        for (int c = 0; c < cols; c++) for (int i = 0; i < rows; i++) x[i * cols + c] = columnMajor[c * rows + i];
        double[] y = r.hasLabel() ? GrpcTrainer.doubles(r.getLabel().getData(), "label") : null;
        parts.put(r.getPart(), new Dataset(f.getColumnsList(), x, y, null, rows));
        // what it was given, for the test to read in the trainer's log
        System.out.println("loaded " + r.getPart() + " rows=" + rows + " columns=" + f.getColumnsList() + " label=" + r.hasLabel()
                + " task=" + r.getTask());
        System.out.flush();
        out.onNext(LoadReply.newBuilder().setRows(mode.equals("lose-rows") ? rows - 1 : rows).build());
        out.onCompleted();
    }

    @Override
    public void fit(FitRequest r, StreamObserver<FitReply> out) {
        if (mode.equals("hang")) return; // never answers
        if (mode.equals("exit")) System.exit(3);
        Dataset train = parts.get("train");
        LocalConfig cfg = new LocalConfig(r.getEpochs(), r.getBatchSize(), new OptimizerSpec(r.getOptimizer(), r.getLearningRate(),
                r.getMomentum()), r.getProximalMu(), r.getL2(), r.getSeed());
        LocalResult res = LocalTrainer.train(mlp(), r.hasBulk() ? read(r.getBulk().getInput()) : flat(r.getParametersList()), train, cfg);
        if (r.hasBulk()) {
            try {
                answerInFile(r.getBulk().getOutput(), res.params());
            } catch (java.io.IOException e) {
                out.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
                return;
            }
            List<Tensor> shapes = new ArrayList<>(layout(null));
            out.onNext(FitReply.newBuilder().addAllParameters(shapes).setBulk(true).setExamples(train.rows()).putMetrics("loss", res.meanLoss()).build());
            out.onCompleted();
            return;
        }
        List<Tensor> params = new ArrayList<>(layout(res.params()));
        switch (mode) {
            case "wrong-shape" -> params.set(0, params.get(0).toBuilder().clearShape().addShape(inputs).addShape(hidden).build());
            case "extra" -> params.add(Tensor.newBuilder().setName("memorized.rows").addShape(1).setData(GrpcTrainer.bytes(new double[]{1.0})).build());
            case "nan" -> params.set(3, params.get(3).toBuilder().setData(GrpcTrainer.bytes(new double[]{Double.NaN})).build());
            default -> { }
        }
        out.onNext(FitReply.newBuilder().addAllParameters(params).setExamples(train.rows()).putMetrics("loss", res.meanLoss()).build());
        out.onCompleted();
    }

    @Override
    public void predict(PredictRequest r, StreamObserver<PredictReply> out) {
        Dataset d = parts.get(r.getPart());
        double[] pred = new double[d.rows()];
        mlp().predict(r.hasBulk() ? read(r.getBulk().getInput()) : flat(r.getParametersList()), d, pred);
        if (mode.equals("bad-scores")) pred[0] = 1.5;
        PredictReply.Builder b = PredictReply.newBuilder().setOutputs(1).setScores(GrpcTrainer.bytes(pred));
        out.onNext(b.build());
        out.onCompleted();
    }

    @Override
    public void release(ReleaseRequest r, StreamObserver<ReleaseReply> out) {
        parts.clear();
        out.onNext(ReleaseReply.getDefaultInstance());
        out.onCompleted();
    }
}
