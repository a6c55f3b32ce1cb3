package io.meshfl.node;

import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.MetadataUtils;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.ExternalModel;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.TensorSpec;
import io.meshfl.core.protocol.Message;
import io.meshfl.proto.trainer.DescribeRequest;
import io.meshfl.proto.trainer.TrainerServiceGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node trains an external model through a trainer process it starts (a Java fake serving the
 * trainer protocol on the launch's Unix socket), reaching what MeshFL's own MLP reaches, and refuses
 * or fails on every way that trainer can misbehave.
 */
class ExternalTrainerNodeTest {

    private static final String LAYOUT = "fc1.weight=4x3,fc1.bias=4,fc2.weight=1x4,fc2.bias=1";
    @TempDir
    Path dir;
    DataContract contract;
    Dataset rows;
    final List<DomainNode> nodes = new ArrayList<>();
    long seq;

    @BeforeEach
    void write() throws Exception {
        // the node reads the generated rows below; the contract still names a file
        Files.writeString(dir.resolve("p.csv"), "id,a,b,c,y\n1,0,0,0,0\n");
        Files.writeString(dir.resolve("p.yaml"), """
                apiVersion: v3.0.2
                kind: DataContract
                id: lending.p
                version: 1.0.0
                domain: lending
                dataProduct: p
                servers:
                  - {server: local, type: csv, path: p.csv}
                schema:
                  - name: p
                    properties:
                      - {name: id, logicalType: string, primaryKey: true}
                      - {name: a, logicalType: number}
                      - {name: b, logicalType: number}
                      - {name: c, logicalType: number}
                      - {name: y, logicalType: integer}
                meshfl:
                  entityKey: id
                  label: y
                  features: [a, b, c]
                """);
        contract = ContractLoader.load(dir.resolve("p.yaml"));
        Random r = new Random(5);
        int n = 120;
        double[] x = new double[n * 3];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) x[i * 3 + c] = r.nextGaussian() * (c + 1) + c;
            y[i] = x[i * 3] - 0.5 * x[i * 3 + 2] + r.nextGaussian() > 0 ? 1 : 0;
        }
        rows = new Dataset(List.of("a", "b", "c"), x, y, null, n);
    }

    @AfterEach
    void close() {
        nodes.forEach(DomainNode::close);
    }

    /** A node of lending serving the generated rows, its trainer "fake" behaving as {@code mode}, run "run" open. */
    private DomainNode node(String mode, String state) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = java + " -cp " + System.getProperty("java.class.path") + " io.meshfl.node.trainer.FakeTrainer " + mode + " 3 4";
        DomainNode node = new DomainNode("lending", List.of(contract), s -> { }, (c, f, l) -> rows)
                .stateDir(dir.resolve(state)).trainers(io.meshfl.node.trainer.Trainers.parse(List.of("fake=" + command)));
        nodes.add(node);
        Sessions.open(node, "job", "run", "horizontal", contract);
        return node;
    }

    private Message prepare(boolean external, String timeout) {
        Map<String, String> cfg = new HashMap<>(Map.of("product", "lending.p", "features", "a,b,c", "label", "y", "holdout", "0.25",
                "seed", "7", "classes", "2", "step_timeout", timeout));
        if (external) {
            cfg.putAll(Map.of("model_type", "EXTERNAL", "trainer", "fake", "trainer_parameters", LAYOUT, "objective", "BINARY"));
        } else {
            cfg.putAll(Map.of("model_type", "MLP", "hidden", "4"));
        }
        return Message.request("job", "run", "horizontal", "prepare", 0, "lending").withConfig(cfg).withSequence(++seq);
    }

    private Message scale() {
        return Message.request("job", "run", "horizontal", "scale", 0, "lending")
                .withTensors(Map.of("mean", new double[]{0.1, 1.0, 2.1}, "std", new double[]{1.1, 1.9, 3.2})).withSequence(++seq);
    }

    private Message fit(int round, double[] global) {
        return Message.request("job", "run", "horizontal", "fit", round, "lending")
                .withConfig(Map.of("epochs", "2", "batch_size", "16", "optimizer", "sgd", "lr", "0.1", "momentum", "0.5",
                        "proximal_mu", "0.01", "l2", "0.001", "seed", Integer.toString(100 + round)))
                .withTensors(Map.of("params", global)).withSequence(++seq);
    }

    private Message evaluate(double[] params) {
        return Message.request("job", "run", "horizontal", "evaluate", 3, "lending").withTensors(Map.of("params", params)).withSequence(++seq);
    }

    private static double[] start() {
        ExternalModel m = new ExternalModel(ModelSpec.external("fake", TensorSpec.decode(LAYOUT), null, 2), 3);
        double[] p = new double[m.numParams()];
        m.initialize(p, new Random(42));
        return p;
    }

    /** Three rounds from the same start and an evaluation; the last fit reply's parameters and the evaluation. */
    private Message[] train(DomainNode node, boolean external, String timeout) {
        assertFalse(node.handle(prepare(external, timeout)).failed());
        assertFalse(node.handle(scale()).failed());
        double[] global = start();
        for (int round = 1; round <= 3; round++) {
            Message reply = node.handle(fit(round, global));
            assertFalse(reply.failed(), () -> reply.error().message());
            global = reply.tensor("params");
        }
        return new Message[]{node.handle(fit(4, global)), node.handle(evaluate(global))};
    }

    @Test
    void anExternalTrainerWithMeshflsMlpLayoutReachesTheSameParametersAndMetricsAsTheInJvmMlp() throws Exception {
        Message[] ext = train(node("honest", "ext"), true, "60");
        seq = 0;
        Message[] own = train(node("honest", "own"), false, "60");
        assertArrayEquals(own[0].tensor("params"), ext[0].tensor("params"), 1e-9);
        assertEquals(own[0].metrics().get("loss"), ext[0].metrics().get("loss"), 1e-9);
        assertEquals(own[0].metrics().get("num_examples"), ext[0].metrics().get("num_examples"));
        assertArrayEquals(own[1].tensor("sums"), ext[1].tensor("sums"), 1e-9);
        assertArrayEquals(own[1].tensor("hist_pos"), ext[1].tensor("hist_pos"));
        // the trainer got the scaled training rows with their label, and the held-out rows without it
        String log = trainerLog("ext");
        assertTrue(log.contains("loaded train rows=90 columns=[a, b, c] label=true task=binary"), log);
        assertTrue(log.contains("loaded eval:0 rows=30 columns=[a, b, c] label=false"), log);
    }

    @Test
    void aTrainerTakingTheParametersInFilesBesideTheCallReachesTheSameModelAndTheFilesGoWithTheJob() throws Exception {
        DomainNode bulkNode = node("bulk", "ext");
        Message[] ext = train(bulkNode, true, "60");
        seq = 0;
        Message[] own = train(node("honest", "own"), false, "60");
        assertArrayEquals(own[0].tensor("params"), ext[0].tensor("params"), 1e-9);
        assertEquals(own[0].metrics().get("loss"), ext[0].metrics().get("loss"), 1e-9);
        assertArrayEquals(own[1].tensor("sums"), ext[1].tensor("sums"), 1e-9);
        // the parameters lay beside the calls in the trainer's folder, owner only, while the job ran, and are gone after it
        Path in;
        try (Stream<Path> s = Files.walk(dir.resolve("ext").resolve("trainers"))) {
            in = s.filter(p -> p.getFileName().toString().equals("parameters.in")).findFirst().orElseThrow();
        }
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(in)));
        assertEquals(8L * start().length, Files.size(in));
        assertFalse(bulkNode.handle(Message.request("job", "run", "horizontal", "finish", 0, "lending").withSequence(++seq)).failed());
        assertFalse(Files.exists(in));
        assertFalse(Files.exists(in.resolveSibling("parameters.out")));
    }

    @Test
    void aTrainerPuttingALinkWhereTheNodesOutputFileWasIsANodeFailureAndTheLinkedFileIsNotRead() throws Exception {
        DomainNode node = node("bulk-link", "s");
        assertFalse(node.handle(prepare(true, "60")).failed());
        assertFalse(node.handle(scale()).failed());
        Message reply = node.handle(fit(1, start()));
        assertEquals(ErrorCode.NODE_FAILURE, reply.error().code());
        // the node read its own (empty) file through its handle, not the one the link points at, which holds a whole answer
        assertTrue(reply.error().message().matches("the trainer fake of node lending-\\w+ Fit's parameter file holds 0 bytes where the "
                + "tensors it answered take " + 8 * start().length), reply.error().message());
        Path linked;
        try (Stream<Path> s = Files.walk(dir.resolve("s").resolve("trainers"))) {
            linked = s.filter(p -> p.getFileName().toString().equals("elsewhere.bin")).findFirst().orElseThrow();
        }
        assertEquals(8L * start().length, Files.size(linked));
    }

    @Test
    void aTrainerReturningAWronglyShapedTensorIsRefusedNamingItAndAudited() throws Exception {
        DomainNode node = node("wrong-shape", "s");
        Message reply = refusedFit(node);
        assertTrue(reply.error().message().contains("fc1.weight with shape [3, 4]; declared [4, 3]"), reply.error().message());
        assertAudited(node, "fc1.weight");
    }

    @Test
    void aTrainerReturningATensorItDidNotDeclareIsRefusedAndAudited() throws Exception {
        DomainNode node = node("extra", "s");
        Message reply = refusedFit(node);
        assertTrue(reply.error().message().contains("a tensor 'memorized.rows' the model does not declare"), reply.error().message());
        assertAudited(node, "memorized.rows");
    }

    @Test
    void aTrainerReturningNaNIsRefusedNamingTheTensorButNoValue() throws Exception {
        DomainNode node = node("nan", "s");
        Message reply = refusedFit(node);
        assertTrue(reply.error().message().contains("fc2.bias with a non-finite value"), reply.error().message());
        assertAudited(node, "fc2.bias");
    }

    @Test
    void scoresOutsideZeroOneAreRefusedAtEvaluation() {
        DomainNode node = node("bad-scores", "s");
        assertFalse(node.handle(prepare(true, "60")).failed());
        assertFalse(node.handle(scale()).failed());
        MeshflException e = assertThrows(MeshflException.class, () -> node.handle(evaluate(start())));
        assertEquals(ErrorCode.POLICY_VIOLATION, e.code());
        assertTrue(e.getMessage().contains("outside [0, 1]"), e.getMessage());
    }

    @Test
    void aTrainerDeclaringOtherParametersIsRefusedAtPrepareNamingTheFirstDifference() {
        DomainNode node = node("declare-wrong", "s");
        MeshflException e = assertThrows(MeshflException.class, () -> node.handle(prepare(true, "60")));
        assertEquals(ErrorCode.POLICY_VIOLATION, e.code());
        assertTrue(e.getMessage().contains("declares parameter fc2.weight with shape [4, 1]; the job declares [1, 4]"), e.getMessage());
        assertTrue(node.violations().get(0).contains("fc2.weight"));
    }

    @Test
    void aTrainerThatDoesNotAnswerFitInTimeIsANodeFailure() {
        DomainNode node = node("hang", "s");
        assertFalse(node.handle(prepare(true, "2")).failed());
        assertFalse(node.handle(scale()).failed());
        Message reply = node.handle(fit(1, start()));
        assertEquals(ErrorCode.NODE_FAILURE, reply.error().code());
        assertTrue(reply.error().message().matches("the trainer fake of node lending-\\w+ did not answer Fit within 1\\.8 s"), reply.error().message());
    }

    @Test
    void aTrainerThatExitsIsANodeFailureWithItsExitCode() {
        DomainNode node = node("exit", "s");
        assertFalse(node.handle(prepare(true, "60")).failed());
        assertFalse(node.handle(scale()).failed());
        Message reply = node.handle(fit(1, start()));
        assertEquals(ErrorCode.NODE_FAILURE, reply.error().code());
        assertTrue(reply.error().message().contains("exited with code 3"), reply.error().message());
    }

    @Test
    void aTrainerWhoseCommandCannotRunIsANodeFailure() {
        DomainNode node = new DomainNode("lending", List.of(contract), s -> { }, (c, f, l) -> rows).stateDir(dir.resolve("s"))
                .trainers(io.meshfl.node.trainer.Trainers.parse(List.of("fake=" + dir.resolve("no-such-program"))));
        nodes.add(node);
        Sessions.open(node, "job", "run", "horizontal", contract);
        MeshflException e = assertThrows(MeshflException.class, () -> node.handle(prepare(true, "60")));
        assertEquals(ErrorCode.NODE_FAILURE, e.code());
        assertTrue(e.getMessage().contains("the trainer fake of node lending-") && e.getMessage().contains("failed to start"), e.getMessage());
    }

    @Test
    void theTrainerRefusesCallsWithoutTheLaunchTokenAndItsSocketFolderIsOwnerOnly() throws Exception {
        DomainNode node = node("honest", "s");
        assertFalse(node.handle(prepare(true, "60")).failed());
        Path socket;
        try (Stream<Path> s = Files.walk(dir.resolve("s").resolve("trainers"))) {
            socket = s.filter(p -> p.getFileName().toString().equals("trainer.sock")).findFirst().orElseThrow();
        }
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
        EpollEventLoopGroup group = new EpollEventLoopGroup(1);
        var channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString())).channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(group).usePlaintext().build();
        try {
            Metadata wrong = new Metadata();
            wrong.put(Metadata.Key.of("meshfl-trainer-token", Metadata.ASCII_STRING_MARSHALLER), "00".repeat(32));
            var stub = TrainerServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(wrong));
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.describe(DescribeRequest.getDefaultInstance()));
            assertEquals(io.grpc.Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
            StatusRuntimeException none = assertThrows(StatusRuntimeException.class,
                    () -> TrainerServiceGrpc.newBlockingStub(channel).describe(DescribeRequest.getDefaultInstance()));
            assertEquals(io.grpc.Status.Code.UNAUTHENTICATED, none.getStatus().getCode());
        } finally {
            channel.shutdownNow();
            group.shutdownGracefully();
        }
        // the node, with the token, is served; and the job's end stops the trainer
        assertFalse(node.handle(scale()).failed());
        assertFalse(node.handle(fit(1, start())).failed());
        assertFalse(node.handle(Message.request("job", "run", "horizontal", "finish", 0, "lending").withSequence(++seq)).failed());
        assertFalse(Files.exists(socket), "the trainer's socket is gone once the job finished");
    }

    private Message refusedFit(DomainNode node) {
        assertFalse(node.handle(prepare(true, "60")).failed());
        assertFalse(node.handle(scale()).failed());
        Message reply = node.handle(fit(1, start()));
        assertTrue(reply.failed());
        assertEquals(ErrorCode.POLICY_VIOLATION, reply.error().code());
        assertFalse(reply.error().message().matches(".*\\d\\.\\d{3,}.*"), "no parameter value in " + reply.error().message());
        return reply;
    }

    private void assertAudited(DomainNode node, String tensor) throws Exception {
        assertTrue(node.violations().stream().anyMatch(v -> v.contains("horizontal/fit") && v.contains(tensor)), node.violations().toString());
        assertTrue(Files.readString(dir.resolve("s").resolve("violations.log")).contains(tensor));
        assertTrue(Files.readString(dir.resolve("s").resolve("audit.jsonl")).contains("\"outcome\":\"POLICY_VIOLATION\""));
    }

    private String trainerLog(String state) throws Exception {
        try (Stream<Path> s = Files.walk(dir.resolve(state).resolve("trainers"))) {
            return Files.readString(s.filter(p -> p.getFileName().toString().equals("trainer.log")).findFirst().orElseThrow());
        }
    }
}
