package io.meshfl.node;

import io.grpc.stub.StreamObserver;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.NodeProtocol;
import io.meshfl.proto.Chunk;
import io.meshfl.wire.EnvelopeCodec;
import io.meshfl.wire.NodeCallHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a domain node answers when serving a request fails: the reply that crosses to the
 * coordinator names product, column and line (or an incident id) and never a planted cell value,
 * row content or a path of the domain; the node's own log gets the detail.
 */
class WireSafeNodeErrorsTest {

    static final String SSN = "123-45-6789";
    static final String TOKEN = "PLANTED-7f3a";
    static final String DATA_FILE = "ledger-9f2c.csv";
    static final String CONTRACT_FILE = "vault-contract.yaml";

    @TempDir
    Path dir;
    final List<String> log = new CopyOnWriteArrayList<>();

    private DataContract contract(String csv, String extraPolicy) throws Exception {
        Files.writeString(dir.resolve(DATA_FILE), csv);
        Files.writeString(dir.resolve(CONTRACT_FILE), """
                apiVersion: v3.0.2
                kind: DataContract
                id: lending.p
                version: 1.0.0
                domain: lending
                dataProduct: p
                servers:
                  - {server: local, type: csv, path: %s}
                schema:
                  - name: p
                    properties:
                      - {name: id, logicalType: string, primaryKey: true}
                      - {name: ssn, logicalType: string, classification: pii}
                      - {name: a, logicalType: number}
                      - {name: b, logicalType: number}
                      - {name: y, logicalType: integer}
                meshfl:
                  entityKey: id
                  label: y
                  features: [a]
                %s""".formatted(DATA_FILE, extraPolicy));
        return ContractLoader.load(dir.resolve(CONTRACT_FILE));
    }

    /** A node of lending with run "run" of job "job" open for horizontal training and "run-rows" for pooled rows. */
    private DomainNode node(String csv) throws Exception {
        DataContract c = contract(csv, "");
        DomainNode node = new DomainNode("lending", List.of(c), log::add);
        Sessions.open(node, "job", "run", "horizontal", c);
        Sessions.open(node, "job", "run-rows", "materialized", c);
        return node;
    }

    private static Message prepare(String features, long seq) {
        return Message.request("job", "run", "horizontal", "prepare", 0, "coordinator")
                .withConfig(Map.of("product", "lending.p", "features", features, "label", "y", "model_type", "LOGISTIC",
                        "holdout", "0", "seed", "1"))
                .withSequence(seq);
    }

    /** Sends {@code req} through the node's transport handler, as the gRPC service does, and decodes what comes back. */
    private static Message overTheWire(Function<Message, Message> handler, Message req) {
        EnvelopeCodec.Assembler reply = new EnvelopeCodec.Assembler();
        boolean[] done = {false};
        NodeCallHandler call = new NodeCallHandler(new StreamObserver<>() {
            @Override
            public void onNext(Chunk c) {
                done[0] |= reply.accept(c);
            }

            @Override
            public void onError(Throwable t) {
                throw new AssertionError("the node broke the stream", t);
            }

            @Override
            public void onCompleted() {
            }
        }, "lending-node", handler);
        EnvelopeCodec.encode(req, call::onNext);
        assertTrue(done[0], "the node answered");
        return reply.message();
    }

    /** Nothing of the domain's data or file system in {@code text}. */
    private void assertNothingLeaks(String text) {
        for (String s : List.of(SSN, TOKEN, dir.toString(), DATA_FILE, CONTRACT_FILE)) {
            assertFalse(text.contains(s), "'" + s + "' crossed: " + text);
        }
    }

    private String logged() {
        return String.join("\n", log);
    }

    @Test
    void textInANumericColumnComesBackAsProductColumnAndLineWithTheValueInTheNodeLogOnly() throws Exception {
        DomainNode node = node("id,ssn,a,b,y\n1," + SSN + ",0.5,1,1\n2," + TOKEN + "," + SSN + ",2,0\n3,x,0.9,3,1\n");
        Message reply = overTheWire(node::handle, prepare("a", 1));
        assertTrue(reply.failed());
        assertEquals(ErrorCode.DATA_WRONG_TYPE, reply.error().code());
        String text = reply.error().message();
        assertTrue(text.contains("product lending.p") && text.contains("column 'a'") && text.contains("line 3"), text);
        assertNothingLeaks(text);
        assertTrue(logged().contains("value '" + SSN + "'") && logged().contains(dir.resolve(DATA_FILE).toString()), logged());
    }

    @Test
    void directCallersGetTheSameWireSafeException() throws Exception {
        DomainNode node = node("id,ssn,a,b,y\n1," + SSN + ",0.5,1,1\n2," + TOKEN + ",0.1,2,\n");
        MeshflException e = assertThrows(MeshflException.class, () -> node.handle(prepare("a", 1)));
        assertEquals(ErrorCode.DATA_BAD_VALUE, e.code());
        assertTrue(e.getMessage().contains("column 'y'") && e.getMessage().contains("line 3"), e.getMessage());
        assertNothingLeaks(e.toString());
        assertTrue(logged().contains(dir.resolve(DATA_FILE).toString()), logged());
    }

    @Test
    void duplicateKeyAndMissingFileNameNeitherKeyNorPath() throws Exception {
        DomainNode node = node("id,ssn,a,b,y\n" + TOKEN + ",s,0.5,1,1\n2,s,0.1,2,0\n" + TOKEN + ",s,0.9,3,1\n");
        Message dup = overTheWire(node::handle, prepare("a", 1));
        assertEquals(ErrorCode.DATA_BAD_VALUE, dup.error().code());
        assertTrue(dup.error().message().contains("column 'id'") && dup.error().message().contains("line 4"), dup.error().message());
        assertNothingLeaks(dup.error().message());
        assertTrue(logged().contains("'" + TOKEN + "'"), logged());

        Files.delete(dir.resolve(DATA_FILE));
        Message missing = overTheWire(node::handle, prepare("a", 2));
        assertEquals(ErrorCode.DATA_MISSING_FILE, missing.error().code());
        assertTrue(missing.error().message().contains("product lending.p"), missing.error().message());
        assertNothingLeaks(missing.error().message());
        assertTrue(logged().contains(dir.resolve(DATA_FILE).toString()), logged());
    }

    @Test
    void anyOtherExceptionBecomesAnIncidentWhoseTextStaysInTheNodeLog() throws Exception {
        DomainNode node = node("id,ssn,a,b,y\n1,s,0.5,1,1\n2,s,0.1,2,0\n").wrapProtocol("horizontal", honest -> new NodeProtocol() {
            @Override
            public String name() {
                return honest.name();
            }

            @Override
            public Message handle(Message request, NodeContext context) {
                throw new NumberFormatException("For input string: \"" + SSN + "\" in " + dir.resolve(DATA_FILE));
            }
        });
        Message reply = node.handle(prepare("a", 1));
        assertTrue(reply.failed());
        assertEquals(ErrorCode.NODE_FAILURE, reply.error().code());
        String text = reply.error().message();
        assertNothingLeaks(text);
        assertFalse(text.contains("NumberFormatException") || text.contains("For input string"), text);
        Matcher m = Pattern.compile("incident ([0-9a-f]{8})").matcher(text);
        assertTrue(text.contains("domain lending") && m.find(), text);
        String incident = m.group(1);
        String entry = log.stream().filter(l -> l.contains(incident)).findFirst().orElseThrow(() -> new AssertionError(logged()));
        assertTrue(entry.contains(SSN) && entry.contains("NumberFormatException") && entry.contains("at io.meshfl."), entry);

        Message again = overTheWire(node::handle, prepare("a", 2));
        assertEquals(ErrorCode.NODE_FAILURE, again.error().code());
        assertNothingLeaks(again.error().message());
        assertFalse(again.error().message().contains(incident), "every failure is its own incident");
    }

    @Test
    void aWrappedReadFailureAnswersWithItsOwnSafeMessageAndLogsItsDetail() throws Exception {
        DomainNode node = node("id,ssn,a,b,y\n1,s,0.5,1,1\n").wrapProtocol("horizontal", honest -> new NodeProtocol() {
            @Override
            public String name() {
                return honest.name();
            }

            @Override
            public Message handle(Message request, NodeContext context) {
                MeshflException read = new MeshflException(ErrorCode.DATA_WRONG_TYPE, "product lending.p, column 'a', line 7: a text value")
                        .withLocalDetail("value '" + SSN + "' in " + dir.resolve(DATA_FILE));
                throw new java.util.concurrent.CompletionException("worker failed on " + SSN, read);
            }
        });
        Message reply = node.handle(prepare("a", 1));
        assertEquals(ErrorCode.DATA_WRONG_TYPE, reply.error().code());
        assertEquals("product lending.p, column 'a', line 7: a text value", reply.error().message());
        assertTrue(logged().contains("value '" + SSN + "' in " + dir.resolve(DATA_FILE)), logged());
    }

    @Test
    void transportAnswersAnUnexpectedExceptionWithItsKindOnly() {
        Message reply = overTheWire(req -> {
            throw new IllegalStateException("cannot parse " + SSN + " in " + dir.resolve(DATA_FILE));
        }, prepare("a", 1));
        assertEquals(ErrorCode.NODE_FAILURE, reply.error().code());
        assertTrue(reply.error().message().contains("IllegalStateException"), reply.error().message());
        assertNothingLeaks(reply.error().message());
    }

    @Test
    void policyRefusalsNameTheContractByProductAndVersionNotByPath() throws Exception {
        DomainNode node = node("id,ssn,a,b,y\n1,s,0.5,1,1\n2,s,0.1,2,0\n");
        MeshflException column = assertThrows(MeshflException.class, () -> node.handle(prepare("a,b", 1)));
        assertEquals(ErrorCode.POLICY_VIOLATION, column.code());
        assertTrue(column.getMessage().contains("contract of product lending.p version 1.0.0"), column.getMessage());
        assertNothingLeaks(column.getMessage());
        MeshflException export = assertThrows(MeshflException.class, () -> node.handle(Message.request("job", "run-rows", "rows", "export", 0,
                "coordinator").withConfig(Map.of("product", "lending.p", "features", "a", "keys", "id"))));
        assertTrue(export.getMessage().contains("rawRowsMayLeave"), export.getMessage());
        assertNothingLeaks(export.getMessage());

        DataContract strict = contract("id,ssn,a,b,y\n1,s,0.5,1,1\n", "  protocols: [horizontal]\n  requires: [differential-privacy]\n");
        DomainNode guarded = new DomainNode("lending", List.of(strict), log::add);
        Sessions.open(guarded, "job", "run", "horizontal", strict);
        Sessions.open(guarded, "job", "run-psi", "vertical", strict);
        Message psi = guarded.handle(Message.request("job", "run-psi", "psi", "keys", 0, "coordinator").withConfig(Map.of("product", "lending.p")));
        assertEquals(ErrorCode.POLICY_VIOLATION, psi.error().code());
        assertTrue(psi.error().message().contains("meshfl.protocols"), psi.error().message());
        assertNothingLeaks(psi.error().message());
        Message plain = guarded.handle(prepare("a", 1));
        assertEquals(ErrorCode.POLICY_VIOLATION, plain.error().code());
        assertTrue(plain.error().message().contains("meshfl.requires"), plain.error().message());
        assertNothingLeaks(plain.error().message());
    }
}
