package io.meshfl.node;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.session.SessionSteps;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DomainNodeTest {

    @TempDir
    Path dir;
    DataContract contract;

    @BeforeEach
    void write() throws Exception {
        Files.writeString(dir.resolve("p.csv"), "id,ssn,a,b,y\n1,111,0.5,1.0,1\n2,222,0.1,2.0,0\n3,333,0.9,0.5,1\n4,444,0.2,1.5,0\n");
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
                      - {name: ssn, logicalType: string, classification: pii}
                      - {name: a, logicalType: number}
                      - {name: b, logicalType: number}
                      - {name: y, logicalType: integer}
                meshfl:
                  entityKey: id
                  label: y
                  features: [a]
                """);
        contract = ContractLoader.load(dir.resolve("p.yaml"));
    }

    private static Message prepare(String features, String label, long seq) {
        return Message.request("job", "run", "horizontal", "prepare", 0, "lending")
                .withConfig(Map.of("product", "lending.p", "features", features, "label", label, "model_type", "LOGISTIC",
                        "holdout", "0", "seed", "1"))
                .withSequence(seq);
    }

    /** A node of lending with run "run" of job "job" open for horizontal training. */
    private DomainNode node() {
        DomainNode node = new DomainNode("lending", List.of(contract), s -> { });
        Sessions.open(node, "job", "run", "horizontal", contract);
        return node;
    }

    @Test
    void servesAllowedColumnsAndReturnsOnlyAggregateSums() {
        DomainNode node = node();
        Message reply = node.handle(prepare("a", "y", 1));
        assertFalse(reply.failed(), () -> reply.error().toString());
        assertEquals(4.0, reply.metrics().get("rows_train"));
        assertEquals(List.of("count", "sum", "sumsq"), List.copyOf(reply.tensors().keySet()));
        assertEquals(1, reply.tensor("sum").length);
    }

    @Test
    void refusesAColumnThePolicyDoesNotAllowEvenIfTheCoordinatorAsks() {
        DomainNode node = node();
        var e = assertThrows(MeshflException.class, () -> node.handle(prepare("a,b", "y", 1)));
        assertEquals(ErrorCode.POLICY_VIOLATION, e.code());
        assertTrue(e.getMessage().contains("'b'"), e.getMessage());
        var pii = assertThrows(MeshflException.class, () -> node.handle(prepare("ssn", "y", 2)));
        assertEquals(ErrorCode.POLICY_VIOLATION, pii.code());
    }

    @Test
    void refusesAProductOfAnotherDomain() {
        var e = assertThrows(MeshflException.class, () -> new DomainNode("payments", List.of(contract), s -> { }));
        assertEquals(ErrorCode.POLICY_VIOLATION, e.code());
        assertTrue(e.getMessage().contains("payments") && e.getMessage().contains("lending"), e.getMessage());
    }

    @Test
    void aRunResumesOnlyWhileTheNodeHoldsItAndItsNextMessagesComeAfterAllItSaw() {
        DomainNode node = node();
        assertFalse(node.handle(prepare("a", "y", 5)).failed());
        Message resume = Message.request("job", "run", SessionSteps.PROTOCOL, SessionSteps.RESUME, 0, "lending")
                .withConfig(Map.of("from_round", "3"));
        assertFalse(node.handle(resume).failed(), () -> node.handle(resume).error().message());
        // the resumed attempt numbers its messages past the last attempt's: served
        assertFalse(node.handle(prepare("a", "y", (1L << 32) + 1)).failed());
        Message wrongJob = node.handle(Message.request("other-job", "run", SessionSteps.PROTOCOL, SessionSteps.RESUME, 0, "lending"));
        assertEquals(ErrorCode.POLICY_VIOLATION, wrongJob.error().code());
        assertFalse(node.handle(Message.request("job", "run", SessionSteps.PROTOCOL, SessionSteps.END, 0, "lending")
                .withConfig(Map.of("outcome", "INTERRUPTED"))).failed());
        Message afterEnd = node.handle(resume);
        assertTrue(afterEnd.failed());
        assertEquals(ErrorCode.POLICY_VIOLATION, afterEnd.error().code());
        assertTrue(afterEnd.error().message().contains("cannot resume"), afterEnd.error().message());
        Message never = node.handle(Message.request("job", "run-2", SessionSteps.PROTOCOL, SessionSteps.RESUME, 0, "lending"));
        assertEquals(ErrorCode.POLICY_VIOLATION, never.error().code());
    }

    private static Message labelCheck(String protocol, String objective, String classes, long seq) {
        return Message.request("job", "run", protocol, io.meshfl.core.protocol.LabelCheck.STEP, 0, "lending")
                .withConfig(Map.of("product", "lending.p", "label", "y", "objective", objective, "classes", classes)).withSequence(seq);
    }

    @Test
    void aLabelCheckIsServedOnlyInARunSignedForItsProtocolAndNamesNoValue() {
        DomainNode node = new DomainNode("lending", List.of(contract), s -> { });
        Message unopened = node.handle(labelCheck("secureboost", "binary", "1", 1));
        assertEquals(ErrorCode.POLICY_VIOLATION, unopened.error().code());
        assertTrue(unopened.error().message().contains("not authorized"), unopened.error().message());

        byte[] boost = Sessions.authorize("job", "run", "secureboost", "train", "domain:lending", contract).blob(SessionSteps.TICKET);
        Message ok = node.handle(withTicket(labelCheck("secureboost", "binary", "1", 2), boost));
        assertFalse(ok.failed(), () -> ok.error().message());
        assertEquals(4.0, ok.metrics().get("rows"));
        assertFalse(node.handle(labelCheck("secureboost", "multiclass", "2", 3)).failed(), "0 and 1 are two classes");
        // the first row's label 1 is no class of a one-class objective: refused by rule and row, the value stays here
        var refused = org.junit.jupiter.api.Assertions.assertThrows(io.meshfl.core.MeshflException.class,
                () -> node.handle(labelCheck("secureboost", "multiclass", "1", 4)));
        assertEquals(ErrorCode.DATA_BAD_VALUE, refused.code());
        assertTrue(refused.getMessage().contains("row 1 is not") && !refused.getMessage().contains("1.0"), refused.getMessage());
        // a run signed for secureboost is refused a split step, label check or not
        Message otherFamily = node.handle(labelCheck("split", "binary", "1", 5));
        assertEquals(ErrorCode.POLICY_VIOLATION, otherFamily.error().code());
    }

    @Test
    void theRunsFirstRequestOpensItWithTheTicketItCarriesAndOnlyThatTicketJoinsIt() {
        DomainNode node = new DomainNode("lending", List.of(contract), s -> { });
        Message unopened = node.handle(prepare("a", "y", 1));
        assertEquals(ErrorCode.POLICY_VIOLATION, unopened.error().code());
        assertTrue(unopened.error().message().contains("not authorized"), unopened.error().message());

        byte[] ticket = Sessions.authorize("job", "run", "horizontal", "train", "domain:lending", contract).blob(SessionSteps.TICKET);
        Message first = node.handle(withTicket(prepare("a", "y", 2), ticket));
        assertFalse(first.failed(), () -> first.error().message());
        assertEquals(4.0, first.metrics().get("rows_train"), "the request the ticket rode on is served");
        // sent at once with the first, before its answer: the same ticket bytes join the open run
        Message joined = node.handle(withTicket(prepare("a", "y", 3), ticket));
        assertFalse(joined.failed(), () -> joined.error().message());

        byte[] other = Sessions.authorize("job", "run", "horizontal", "train", "domain:lending", contract).blob(SessionSteps.TICKET);
        Message swapped = node.handle(withTicket(prepare("a", "y", 4), other));
        assertEquals(ErrorCode.POLICY_VIOLATION, swapped.error().code());
        assertTrue(swapped.error().message().contains("under another job ticket"), swapped.error().message());

        assertFalse(node.handle(Message.request("job", "run", SessionSteps.PROTOCOL, SessionSteps.END, 0, "lending")
                .withConfig(Map.of("outcome", "SUCCEEDED"))).failed());
        // the same ticket carried by the first request of another run: its nonce was used
        Message asNewRun = node.handle(withTicket(Message.request("job", "run-2", "horizontal", "prepare", 0, "lending")
                .withConfig(prepare("a", "y", 1).config()).withSequence(1), ticket));
        assertEquals(ErrorCode.POLICY_VIOLATION, asNewRun.error().code());
        assertTrue(asNewRun.error().message().contains("already used"), asNewRun.error().message());
    }

    private static Message withTicket(Message m, byte[] ticket) {
        return m.withBlobs(Map.of(SessionSteps.TICKET, ticket));
    }

    @Test
    void refusesAReplayedMessage() {
        DomainNode node = node();
        assertFalse(node.handle(prepare("a", "y", 5)).failed());
        Message replay = node.handle(prepare("a", "y", 5));
        assertTrue(replay.failed());
        assertEquals(ErrorCode.OUT_OF_ORDER, replay.error().code());
    }

    @Test
    void stepBeforePrepareIsOutOfOrder() {
        DomainNode node = new DomainNode("lending", List.of(contract), s -> { });
        Sessions.open(node, "job2", "run2", "horizontal", contract);
        Message fit = Message.request("job2", "run2", "horizontal", "fit", 1, "lending").withTensors(Map.of("params", new double[2]));
        var e = assertThrows(MeshflException.class, () -> node.handle(fit));
        assertEquals(ErrorCode.OUT_OF_ORDER, e.code());
    }

    @Test
    void refusesAnUnknownProtocol() {
        DomainNode node = new DomainNode("lending", List.of(contract), s -> { });
        Message reply = node.handle(Message.request("j", "r", "teleport", "go", 0, "lending"));
        assertEquals(ErrorCode.POLICY_VIOLATION, reply.error().code());
    }

    private DomainNode nodeWith(String extraPolicy, Path state) throws Exception {
        Files.writeString(dir.resolve("q.yaml"), Files.readString(dir.resolve("p.yaml")).replace("  features: [a]\n", "  features: [a]\n" + extraPolicy));
        DataContract c = ContractLoader.load(dir.resolve("q.yaml"));
        DomainNode n = new DomainNode("lending", List.of(c), s -> { });
        if (state != null) n.stateDir(state);
        Sessions.open(n, "job", "run", "horizontal", c);
        Sessions.open(n, "job", "run-psi", "vertical", c);
        Sessions.open(n, "job", "run-rows", "factorized", c);
        return n;
    }

    @Test
    void refusesAProtocolItsProductDoesNotAllowAndLogsTheViolation() throws Exception {
        DomainNode node = nodeWith("  protocols: [horizontal]\n", dir.resolve("state"));
        Message psi = node.handle(Message.request("job", "run-psi", "psi", "keys", 0, "lending").withConfig(Map.of("product", "lending.p")));
        assertTrue(psi.failed());
        assertEquals(ErrorCode.POLICY_VIOLATION, psi.error().code());
        assertTrue(psi.error().message().contains("takes part only in [horizontal]"), psi.error().message());
        Message rows = node.handle(Message.request("job", "run-rows", "rows", "export", 0, "lending").withConfig(Map.of("product", "lending.p")));
        assertEquals(ErrorCode.POLICY_VIOLATION, rows.error().code());
        assertFalse(node.handle(prepare("a", "y", 1)).failed(), "horizontal training is allowed");
        assertEquals(2, node.violations().size(), node.violations().toString());
        String logged = Files.readString(dir.resolve("state").resolve("violations.log"));
        assertTrue(logged.contains("psi/keys") && logged.contains("rows/export"), logged);
    }

    @Test
    void productRequiringSecureAggregationNeverSendsAPlainUpdate() throws Exception {
        DomainNode node = nodeWith("  requires: [secure-aggregation]\n", null);
        Message plain = node.handle(prepare("a", "y", 1));
        assertEquals(ErrorCode.POLICY_VIOLATION, plain.error().code());
        assertTrue(plain.error().message().contains("requires secure-aggregation"), plain.error().message());
        Message masked = Message.request("job", "run", "horizontal", "prepare", 0, "lending")
                .withConfig(Map.of("product", "lending.p", "features", "a", "label", "y", "model_type", "LOGISTIC", "holdout", "0",
                        "seed", "1", "secure_aggregation", "true"))
                .withSequence(2);
        assertFalse(node.handle(masked).failed(), "a job that aggregates securely may prepare");
        Message fit = node.handle(Message.request("job", "run", "horizontal", "fit", 1, "lending").withSequence(3)
                .withTensors(Map.of("params", new double[2])));
        assertEquals(ErrorCode.POLICY_VIOLATION, fit.error().code(), "the coordinator asked for the update in the clear");
        assertTrue(fit.error().message().contains("unmasked"), fit.error().message());
    }

    @Test
    void exportOfRowsThePolicyKeepsIsRefusedAndLogged() {
        DomainNode node = new DomainNode("lending", List.of(contract), s -> { });
        Sessions.open(node, "job", "run", "materialized", contract);
        var e = assertThrows(MeshflException.class, () -> node.handle(Message.request("job", "run", "rows", "export", 0, "lending")
                .withConfig(Map.of("product", "lending.p", "features", "a", "keys", "id"))));
        assertEquals(ErrorCode.POLICY_VIOLATION, e.code());
        assertTrue(node.violations().get(0).contains("rawRowsMayLeave"), node.violations().toString());
    }
}
