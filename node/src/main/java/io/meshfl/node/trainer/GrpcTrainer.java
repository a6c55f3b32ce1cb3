package io.meshfl.node.trainer;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.MetadataUtils;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.external.ExternalTrainer;
import io.meshfl.proto.trainer.Block;
import io.meshfl.proto.trainer.DescribeReply;
import io.meshfl.proto.trainer.DescribeRequest;
import io.meshfl.proto.trainer.FitReply;
import io.meshfl.proto.trainer.FitRequest;
import io.meshfl.proto.trainer.LoadRequest;
import io.meshfl.proto.trainer.PredictReply;
import io.meshfl.proto.trainer.PredictRequest;
import io.meshfl.proto.trainer.ReleaseRequest;
import io.meshfl.proto.trainer.TrainerServiceGrpc;
import io.meshfl.proto.trainer.BackwardRequest;
import io.meshfl.proto.trainer.ForwardRequest;
import io.meshfl.proto.trainer.Matrix;
import io.meshfl.proto.trainer.SplitSetupRequest;
import io.meshfl.proto.trainer.StateRequest;
import io.meshfl.proto.trainer.TopPredictRequest;
import io.meshfl.proto.trainer.TopStepReply;
import io.meshfl.proto.trainer.TopStepRequest;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The node's client of one launched trainer: gRPC over the launch's Unix socket, every call with
 * the launch token in {@code meshfl-trainer-token} and a deadline. A trainer that exited, fails a
 * call or does not answer in time is a {@code NODE_FAILURE} naming it and the call; what it said
 * about the failure stays in the node's log (it may quote data).
 */
final class GrpcTrainer implements ExternalTrainer {

    static final Metadata.Key<String> TOKEN = Metadata.Key.of("meshfl-trainer-token", Metadata.ASCII_STRING_MARSHALLER);
    /** How long a started trainer has to answer Describe. */
    static final Duration START_PATIENCE = Duration.ofSeconds(60);
    private static volatile EventLoopGroup group;

    private final String name;
    private final TrainerProcess process;
    private final ManagedChannel channel;
    private final TrainerServiceGrpc.TrainerServiceBlockingStub stub;
    private final java.util.function.Consumer<String> log;
    private volatile Duration timeout;
    private Description description;
    /** The trainer's files for parameter values beside Fit and Predict, when it declares bulk; null otherwise. */
    private BulkFiles bulk;

    private GrpcTrainer(String name, TrainerProcess process, Duration timeout, java.util.function.Consumer<String> log) {
        this.name = name;
        this.process = process;
        this.timeout = timeout;
        this.log = log;
        this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(process.socket().toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group()).usePlaintext()
                .maxInboundMessageSize(Integer.MAX_VALUE).build();
        Metadata headers = new Metadata();
        headers.put(TOKEN, process.token());
        this.stub = TrainerServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** Launches the trainer and waits (up to {@link #START_PATIENCE}) until it answers Describe. */
    static GrpcTrainer launch(String name, String nodeId, List<String> command, java.nio.file.Path state, Duration timeout,
                              java.util.function.Consumer<String> log, Duration patience) {
        if (!Epoll.isAvailable()) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "the trainer " + name + " of node " + nodeId + " cannot be reached: "
                    + "external trainers talk over Unix sockets, which this node's platform does not offer (Linux epoll)");
        }
        TrainerProcess p = TrainerProcess.start(name, nodeId, command, state);
        GrpcTrainer t = new GrpcTrainer(name, p, timeout, log);
        try {
            t.awaitStart(patience);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        log.accept(p.label() + " started (" + t.description.name() + " " + t.description.version() + "), its folder " + p.folder());
        return t;
    }

    private void awaitStart(Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            Integer code = process.exitCode();
            if (code != null) throw failure(process.label() + " exited with code " + code + " before answering Describe", null);
            if (Files.exists(process.socket())) {
                try {
                    DescribeReply r = stub.withDeadlineAfter(Math.min(2000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)),
                            TimeUnit.MILLISECONDS).describe(DescribeRequest.newBuilder().setTrainer(name).build());
                    description = new Description(r.getName(), r.getVersion(), tensors(r.getParametersList()));
                    bulk = r.getBulk() ? BulkFiles.create(process.folder(), process.label()) : null;
                    return;
                } catch (StatusRuntimeException e) {
                    Status.Code c = e.getStatus().getCode();
                    if (c != Status.Code.UNAVAILABLE && c != Status.Code.DEADLINE_EXCEEDED) throw mapped("Describe", e, patience);
                }
            }
            if (System.nanoTime() > deadline) {
                throw failure(process.label() + " did not answer Describe within " + seconds(patience) + " s of its start", null);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure("interrupted while " + process.label() + " started", null);
            }
        }
    }

    void timeout(Duration timeout) {
        this.timeout = timeout;
    }

    boolean alive() {
        return process.alive();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Description describe() {
        return description;
    }

    @Override
    public long load(Part part) {
        LoadRequest.Builder b = LoadRequest.newBuilder().setJobId(part.jobId()).setPart(part.part())
                .setFeatures(block(part.columns(), part.x(), part.rows())).setTask(part.task().name().toLowerCase(Locale.ROOT))
                .setClasses(part.classes());
        if (part.label() != null) b.setLabel(block(List.of(part.labelName()), part.label(), part.rows()));
        return call("Load", () -> stub().load(b.build()).getRows());
    }

    @Override
    public Fitted fit(Fit f) {
        FitRequest.Builder b = FitRequest.newBuilder().setJobId(f.jobId()).setRound(f.round()).setEpochs(f.epochs())
                .setBatchSize(f.batchSize()).setLearningRate(f.learningRate()).setOptimizer(f.optimizer()).setMomentum(f.momentum())
                .setSeed(f.seed()).setL2(f.l2()).setProximalMu(f.proximalMu());
        if (bulk == null) {
            for (ExternalTrainer.Tensor t : f.parameters()) b.addParameters(tensor(t));
            FitReply r = call("Fit", () -> stub().fit(b.build()));
            if (r.getBulk()) throw failure(process.label() + " answered Fit beside the call, which it did not declare", null);
            return new Fitted(tensors(r.getParametersList()), r.getExamples(), r.getMetricsMap());
        }
        synchronized (bulk) {
            bulk.write(f.parameters(), "Fit");
            for (ExternalTrainer.Tensor t : f.parameters()) b.addParameters(shape(t));
            FitReply r = call("Fit", () -> stub().fit(b.setBulk(bulk.message()).build()));
            List<ExternalTrainer.Tensor> params = r.getBulk() ? bulk.read(r.getParametersList(), "Fit") : tensors(r.getParametersList());
            return new Fitted(params, r.getExamples(), r.getMetricsMap());
        }
    }

    /** A tensor's name and shape, without its values (which travel in the call's bulk file, or are set by {@link #tensor}). */
    private static io.meshfl.proto.trainer.Tensor.Builder shape(ExternalTrainer.Tensor t) {
        io.meshfl.proto.trainer.Tensor.Builder b = io.meshfl.proto.trainer.Tensor.newBuilder().setName(t.name());
        for (long d : t.shape()) b.addShape(d);
        return b;
    }

    @Override
    public Scores predict(String jobId, String part, List<ExternalTrainer.Tensor> parameters) {
        PredictRequest.Builder b = PredictRequest.newBuilder().setJobId(jobId).setPart(part);
        if (bulk == null) {
            for (ExternalTrainer.Tensor t : parameters) b.addParameters(tensor(t));
            PredictReply r = call("Predict", () -> stub().predict(b.build()));
            return new Scores(r.getOutputs(), doubles(r.getScores(), "Predict's scores"));
        }
        synchronized (bulk) {
            bulk.write(parameters, "Predict");
            for (ExternalTrainer.Tensor t : parameters) b.addParameters(shape(t));
            PredictReply r = call("Predict", () -> stub().predict(b.setBulk(bulk.message()).build()));
            return new Scores(r.getOutputs(), doubles(r.getScores(), "Predict's scores"));
        }
    }

    @Override
    public List<ExternalTrainer.Tensor> splitSetup(SplitSetup s) {
        SplitSetupRequest req = SplitSetupRequest.newBuilder().setJobId(s.jobId()).setRole(s.role().wire()).setInputs(s.inputs())
                .setOutputs(s.outputs()).setTask(s.task().name().toLowerCase(Locale.ROOT)).setClasses(s.classes()).setOptimizer(s.optimizer())
                .setLearningRate(s.learningRate()).setSeed(s.seed()).build();
        return tensors(call("SplitSetup", () -> stub().splitSetup(req)).getParametersList());
    }

    @Override
    public double[] forward(String jobId, int[] rows, boolean training) {
        ForwardRequest.Builder b = ForwardRequest.newBuilder().setJobId(jobId).setTraining(training);
        for (int r : rows) b.addRows(r);
        Matrix m = call("Forward", () -> stub().forward(b.build()));
        return doubles(m.getData(), "Forward's outputs");
    }

    @Override
    public void backward(String jobId, double[] gradient, int rows, int width) {
        BackwardRequest req = BackwardRequest.newBuilder().setJobId(jobId).setGradient(matrix(gradient, rows, width)).build();
        call("Backward", () -> stub().backward(req));
    }

    @Override
    public TopStep topStep(String jobId, int[] rows, double[] input, int width) {
        TopStepRequest.Builder b = TopStepRequest.newBuilder().setJobId(jobId).setInput(matrix(input, rows.length, width));
        for (int r : rows) b.addRows(r);
        TopStepReply r = call("TopStep", () -> stub().topStep(b.build()));
        return new TopStep(r.getLoss(), doubles(r.getInputGradient().getData(), "TopStep's input gradient"));
    }

    @Override
    public double[] topPredict(String jobId, double[] input, int rows, int width) {
        TopPredictRequest req = TopPredictRequest.newBuilder().setJobId(jobId).setInput(matrix(input, rows, width)).build();
        return doubles(call("TopPredict", () -> stub().topPredict(req)).getData(), "TopPredict's outputs");
    }

    @Override
    public State state(String jobId, Role role) {
        io.meshfl.proto.trainer.State s = call("GetState", () -> stub().getState(StateRequest.newBuilder().setJobId(jobId)
                .setRole(role.wire()).build()));
        return new State(tensors(s.getParametersList()), s.getOptimizer().toByteArray());
    }

    @Override
    public void restore(String jobId, Role role, State state) {
        io.meshfl.proto.trainer.State.Builder b = io.meshfl.proto.trainer.State.newBuilder().setJobId(jobId).setRole(role.wire())
                .setOptimizer(ByteString.copyFrom(state.optimizer()));
        for (ExternalTrainer.Tensor t : state.parameters()) b.addParameters(tensor(t));
        call("SetState", () -> stub().setState(b.build()));
    }

    @Override
    public void release(String jobId) {
        if (!process.alive()) return;
        try {
            stub.withDeadlineAfter(5, TimeUnit.SECONDS).release(ReleaseRequest.newBuilder().setJobId(jobId).build());
        } catch (StatusRuntimeException e) {
            log.accept(process.label() + " did not release job " + jobId + ": " + e.getStatus().getCode());
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
        process.stop();
        if (bulk != null) bulk.close();
    }

    private TrainerServiceGrpc.TrainerServiceBlockingStub stub() {
        return stub.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private <T> T call(String what, Supplier<T> c) {
        Integer code = process.exitCode();
        if (code != null) throw failure(process.label() + " exited with code " + code + " before " + what, null);
        try {
            return c.get();
        } catch (StatusRuntimeException e) {
            throw mapped(what, e, timeout);
        }
    }

    private MeshflException mapped(String what, StatusRuntimeException e, Duration limit) {
        Status.Code c = e.getStatus().getCode();
        Integer code = c == Status.Code.UNAVAILABLE || c == Status.Code.CANCELLED ? process.exitCodeSoon() : process.exitCode();
        String detail = process.label() + " " + what + ": " + e.getStatus();
        if (code != null) return failure(process.label() + " exited with code " + code + " during " + what, detail);
        if (c == Status.Code.DEADLINE_EXCEEDED) return failure(process.label() + " did not answer " + what + " within " + seconds(limit) + " s", detail);
        return failure(process.label() + " failed " + what + " (" + c + "); its log is in the node's trainer folder", detail);
    }

    private MeshflException failure(String message, String localDetail) {
        MeshflException e = new MeshflException(ErrorCode.NODE_FAILURE, message);
        return localDetail == null ? e : e.withLocalDetail(localDetail);
    }

    private static String seconds(Duration d) {
        double s = d.toMillis() / 1000.0;
        return s == Math.rint(s) ? Long.toString((long) s) : String.format(Locale.ROOT, "%.1f", s);
    }

    /** A row-major matrix as the wire's column-major block. */
    static Block block(List<String> columns, double[] rowMajor, int rows) {
        int cols = columns.size();
        ByteBuffer buf = ByteBuffer.allocate(8 * rows * cols).order(ByteOrder.LITTLE_ENDIAN);
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) buf.putDouble(rowMajor[r * cols + c]);
        }
        return Block.newBuilder().addAllColumns(columns).setRows(rows).setData(UnsafeByteOperations.unsafeWrap(buf.array())).build();
    }

    static Matrix matrix(double[] rowMajor, int rows, int cols) {
        return Matrix.newBuilder().setRows(rows).setColumns(cols).setData(bytes(rowMajor)).build();
    }

    static io.meshfl.proto.trainer.Tensor tensor(ExternalTrainer.Tensor t) {
        return shape(t).setData(bytes(t.values())).build();
    }

    static List<ExternalTrainer.Tensor> tensors(List<io.meshfl.proto.trainer.Tensor> wire) {
        List<ExternalTrainer.Tensor> out = new ArrayList<>();
        for (io.meshfl.proto.trainer.Tensor t : wire) {
            out.add(new ExternalTrainer.Tensor(t.getName(), t.getShapeList().stream().mapToLong(Long::longValue).toArray(),
                    doubles(t.getData(), "the tensor's values")));
        }
        return out;
    }

    /** Values as the wire's little-endian float64 bytes, written straight into one array the message then wraps. */
    static ByteString bytes(double[] values) {
        ByteBuffer buf = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asDoubleBuffer().put(values);
        return UnsafeByteOperations.unsafeWrap(buf.array());
    }

    /** The wire's little-endian float64 bytes as values; a length that is not whole values is the trainer's error. */
    static double[] doubles(ByteString data, String what) {
        if (data.size() % 8 != 0) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "a trainer sent " + data.size() + " bytes as " + what
                    + ", not a whole number of float64 values");
        }
        double[] out = new double[data.size() / 8];
        data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
        return out;
    }

    /** One small event loop for every trainer channel of this JVM, on daemon threads. */
    private static EventLoopGroup group() {
        if (group == null) {
            synchronized (GrpcTrainer.class) {
                if (group == null) {
                    group = new EpollEventLoopGroup(1, r -> {
                        Thread t = new Thread(r, "meshfl-trainer-io");
                        t.setDaemon(true);
                        return t;
                    });
                }
            }
        }
        return group;
    }
}
