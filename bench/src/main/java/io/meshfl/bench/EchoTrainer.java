package io.meshfl.bench;

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
import io.meshfl.proto.trainer.DescribeReply;
import io.meshfl.proto.trainer.DescribeRequest;
import io.meshfl.proto.trainer.FitReply;
import io.meshfl.proto.trainer.FitRequest;
import io.meshfl.proto.trainer.LoadReply;
import io.meshfl.proto.trainer.LoadRequest;
import io.meshfl.proto.trainer.ReleaseReply;
import io.meshfl.proto.trainer.ReleaseRequest;
import io.meshfl.proto.trainer.Tensor;
import io.meshfl.proto.trainer.TrainerServiceGrpc;

import java.util.List;

/**
 * A trainer process for {@link TrainerOverheadBenchmark}, as a data scientist's Java trainer would
 * be: it serves the trainer protocol on MESHFL_TRAINER_SOCKET, refuses calls without
 * MESHFL_TRAINER_TOKEN, declares {@code w [1000, 999]} and {@code b [1000]} (1,000,000 parameters),
 * keeps the rows it is loaded with, and fits by returning the parameters it got each plus 1e-9
 * (no arithmetic beyond that). It takes and answers the parameters in files beside the call (it
 * declares bulk), or inside the messages when started with {@code inline}. It prints the serialized
 * size of every Load and Fit request and reply to its log ({@code sizes load|fit REQUEST REPLY}), and
 * of a Fit's files ({@code sizes fit-files INPUT OUTPUT}), where the benchmark reads them.
 */
public final class EchoTrainer extends TrainerServiceGrpc.TrainerServiceImplBase {

    static final Metadata.Key<String> TOKEN = Metadata.Key.of("meshfl-trainer-token", Metadata.ASCII_STRING_MARSHALLER);
    /** The declared parameters: names and shapes, 1,000,000 values in all. */
    static final String[] NAMES = {"w", "b"};
    static final long[][] SHAPES = {{1000, 999}, {1000}};

    private volatile long rows;
    /** With {@code mlp HIDDEN,... INPUTS} on the command line: MeshFL's own MLP, trained by its own local trainer. */
    private final io.meshfl.core.model.Mlp mlp;
    private volatile io.meshfl.core.data.Dataset data;

    /** The socket's folder, where the node puts the files beside a call; null: parameters inside the messages. */
    private final java.nio.file.Path folder;

    EchoTrainer(io.meshfl.core.model.Mlp mlp, java.nio.file.Path folder) {
        this.mlp = mlp;
        this.folder = folder;
    }

    /** MeshFL's own MLP of {@code hidden} widths over {@code inputs} columns, binary. */
    static io.meshfl.core.model.Mlp mlp(List<Integer> hidden, int inputs) {
        return new io.meshfl.core.model.Mlp(new io.meshfl.core.model.ModelSpec(io.meshfl.core.model.ModelSpec.Type.MLP, hidden, 2, 0.0), inputs);
    }

    /** The MLP's tensors in its flat order: each layer's weight [out, in], then its bias [out]. */
    static long[][] shapes(List<Integer> hidden, int inputs) {
        List<long[]> out = new java.util.ArrayList<>();
        int in = inputs;
        List<Integer> widths = new java.util.ArrayList<>(hidden);
        widths.add(1);
        for (int w : widths) {
            out.add(new long[]{w, in});
            out.add(new long[]{w});
            in = w;
        }
        return out.toArray(new long[0][]);
    }

    public static void main(String[] args) throws Exception {
        String socket = System.getenv("MESHFL_TRAINER_SOCKET");
        String token = System.getenv("MESHFL_TRAINER_TOKEN");
        if (socket == null || token == null) {
            System.err.println("no socket or token in the environment");
            System.exit(2);
        }
        ServerInterceptor check = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                if (!token.equals(headers.get(TOKEN))) {
                    call.close(Status.UNAUTHENTICATED.withDescription("wrong trainer token"), new Metadata());
                    return new ServerCall.Listener<>() { };
                }
                return next.startCall(call, headers);
            }
        };
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket)).channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(new EpollEventLoopGroup(1)).workerEventLoopGroup(new EpollEventLoopGroup(1))
                .maxInboundMessageSize(Integer.MAX_VALUE).addService(ServerInterceptors.intercept(new EchoTrainer(args.length >= 3 && args[0].equals("mlp")
                        ? mlp(java.util.Arrays.stream(args[1].split(",")).map(Integer::valueOf).toList(), Integer.parseInt(args[2])) : null,
                        args.length > 0 && args[args.length - 1].equals("inline") ? null : java.nio.file.Path.of(socket).getParent()), check))
                .build().start();
        System.out.println("echo trainer listening");
        server.awaitTermination();
    }

    @Override
    public void describe(DescribeRequest r, StreamObserver<DescribeReply> out) {
        DescribeReply.Builder b = DescribeReply.newBuilder().setName(mlp == null ? "echo" : "meshfl-mlp").setVersion("1").setBulk(folder != null);
        long[][] shapes = mlp == null ? SHAPES : shapes(mlp.spec().hidden(), mlp.inputs());
        for (int i = 0; i < shapes.length; i++) {
            Tensor.Builder t = Tensor.newBuilder().setName(mlp == null ? NAMES[i] : "l" + i / 2 + (i % 2 == 0 ? ".weight" : ".bias"));
            for (long d : shapes[i]) t.addShape(d);
            b.addParameters(t);
        }
        out.onNext(b.build());
        out.onCompleted();
    }

    @Override
    public void load(LoadRequest r, StreamObserver<LoadReply> out) {
        // the rows as a trainer keeps them: the column-major block into a row-major matrix
        int n = (int) r.getFeatures().getRows();
        int cols = r.getFeatures().getColumnsCount();
        double[] x = new double[n * cols];
        java.nio.DoubleBuffer columnMajor = r.getFeatures().getData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asDoubleBuffer();
        for (int c = 0; c < cols; c++) for (int i = 0; i < n; i++) x[i * cols + c] = columnMajor.get(c * n + i);
        rows = n;
        double[] y = r.hasLabel() ? new double[n] : null;
        if (y != null) r.getLabel().getData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(y);
        data = new io.meshfl.core.data.Dataset(r.getFeatures().getColumnsList(), x, y, null, n);
        LoadReply reply = LoadReply.newBuilder().setRows(n).build();
        System.out.println("sizes load " + r.getSerializedSize() + " " + reply.getSerializedSize());
        System.out.flush();
        out.onNext(reply);
        out.onCompleted();
    }

    @Override
    public void fit(FitRequest r, StreamObserver<FitReply> out) {
        try {
            double[] in = parameters(r);
            double[] result;
            FitReply.Builder b = FitReply.newBuilder().setExamples(rows).putMetrics("loss", 0.0);
            if (mlp != null) {
                // MeshFL's own local training, here in the trainer's process: the same arithmetic as the node's in-JVM path
                io.meshfl.core.model.LocalResult res = io.meshfl.core.model.LocalTrainer.train(mlp, in, data, new io.meshfl.core.model.LocalConfig(
                        r.getEpochs(), r.getBatchSize(), new io.meshfl.core.model.OptimizerSpec(r.getOptimizer(), r.getLearningRate(), r.getMomentum()),
                        r.getProximalMu(), r.getL2(), r.getSeed()));
                result = res.params();
                b.putMetrics("loss", res.meanLoss());
            } else {
                result = in;
                for (int i = 0; i < result.length; i++) result[i] += 1e-9;
            }
            FitReply reply = answer(r, result, b);
            System.out.println("sizes fit " + r.getSerializedSize() + " " + reply.getSerializedSize());
            System.out.flush();
            out.onNext(reply);
            out.onCompleted();
        } catch (java.io.IOException e) {
            out.onError(Status.INTERNAL.withDescription("bulk files: " + e.getMessage()).asRuntimeException());
        }
    }

    private java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(0);

    /** A reused direct buffer of {@code bytes}, little-endian: file reads and writes without another copy. */
    private java.nio.ByteBuffer direct(int bytes) {
        if (direct.capacity() < bytes) direct = java.nio.ByteBuffer.allocateDirect(bytes);
        direct.clear().limit(bytes);
        return direct.order(java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    /** The request's parameters as one flat vector, from its bulk input file or from the tensors' data. */
    private double[] parameters(FitRequest r) throws java.io.IOException {
        if (r.hasBulk()) {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(folder.resolve(r.getBulk().getInput()))) {
                java.nio.ByteBuffer buf = direct((int) ch.size());
                while (buf.hasRemaining() && ch.read(buf) >= 0) { }
                buf.flip();
                double[] v = new double[buf.remaining() / 8];
                buf.asDoubleBuffer().get(v);
                return v;
            }
        }
        java.nio.DoubleBuffer all = java.nio.DoubleBuffer.allocate(r.getParametersList().stream().mapToInt(t -> t.getData().size() / 8).sum());
        for (Tensor t : r.getParametersList()) all.put(t.getData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asDoubleBuffer());
        return all.array();
    }

    /** The reply with {@code values} split into the request's tensors: written in place into the bulk output file, or inline. */
    private FitReply answer(FitRequest r, double[] values, FitReply.Builder b) throws java.io.IOException {
        java.nio.ByteBuffer bytes = r.hasBulk() ? direct(8 * values.length)
                : java.nio.ByteBuffer.allocate(8 * values.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bytes.asDoubleBuffer().put(values);
        int off = 0;
        for (Tensor t : r.getParametersList()) {
            int count = (int) t.getShapeList().stream().mapToLong(Long::longValue).reduce(1, (x, y) -> x * y);
            Tensor.Builder tb = Tensor.newBuilder().setName(t.getName()).addAllShape(t.getShapeList());
            if (!r.hasBulk()) tb.setData(com.google.protobuf.ByteString.copyFrom(bytes.array(), 8 * off, 8 * count));
            b.addParameters(tb);
            off += count;
        }
        if (r.hasBulk()) {
            // in place: the node reads the file it created through its own handle
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(folder.resolve(r.getBulk().getOutput()),
                    java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                while (bytes.hasRemaining()) ch.write(bytes);
            }
            b.setBulk(true);
            System.out.println("sizes fit-files " + 8L * values.length + " " + 8L * values.length);
        }
        return b.build();
    }

    @Override
    public void release(ReleaseRequest r, StreamObserver<ReleaseReply> out) {
        out.onNext(ReleaseReply.getDefaultInstance());
        out.onCompleted();
    }
}
