package io.meshfl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ChainSeals;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.session.SessionSteps;
import io.meshfl.core.trust.Access;
import io.meshfl.core.trust.HashChain;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.Journal;
import io.meshfl.core.trust.MeshIdentity.Role;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.Signer;
import io.meshfl.core.trust.Submitter;
import io.meshfl.core.trust.TicketVerifier;
import io.meshfl.node.DomainNode;
import io.meshfl.wire.tls.MeshTls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trust work on each node, each piece alone with the node's own code and its journals on the
 * disk: {@code session/authorize} and {@code session/end} through {@link DomainNode#handle} on
 * standalone nodes (a fresh signed ticket and a real signed seal per run); the seal-signature check
 * a node runs in the background after answering the end, with the same public parts as the node's
 * own check; the audit journal's append of a served request (written, not forced) and the run
 * registry's forced append of an authorization; and the job-signature check alone (decode,
 * {@link TicketVerifier#verify}, versions and {@link Access#refusal} of the node's products, no
 * disk) beside raw EC P-256 signing and verification.
 */
final class TrustNodeWork {

    static final int SESSION_WARMUP = 50;
    static final int SESSIONS = 150;
    /** A pause after each run's ends, outside the timings, for the nodes' background seal checks to finish. */
    static final int SETTLE_MS = 10;
    static final int SEAL_WARMUP = 100;
    static final int SEAL_CHECKS = 300;
    static final int CHECK_WARMUP = 300;
    static final int CHECKS = 1000;
    static final int TICKETS = 200;
    static final int APPEND_WARMUP = 300;
    static final int APPENDS = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private TrustNodeWork() {
    }

    /**
     * Milliseconds per operation on one node.
     *
     * @param authorize     {@code session/authorize} through {@code DomainNode.handle}
     * @param end           {@code session/end} through {@code DomainNode.handle} (the seal's signature is checked after it)
     * @param sealCheck     the background check of one seal: parsed fields, hash recomputed, certificate and signature
     * @param servedAppend  the audit journal's append of one served request (hash + write)
     * @param durableAppend the run registry's forced append of one authorization (hash + write + fsync)
     * @param signatureCheck decode + verify + versions and grants of the node's products
     * @param rawSign        EC P-256 signature of the ticket's bytes
     * @param rawVerify      EC P-256 verification of the ticket's bytes as the checks make it (BouncyCastle, the key converted once)
     * @param rawVerifyJdk   the same verification with the JDK's provider
     * @param ticketBytes    the ticket's size
     */
    record Result(List<Double> authorize, List<Double> end, List<Double> sealCheck, List<Double> servedAppend, List<Double> durableAppend,
                  List<Double> signatureCheck, List<Double> rawSign, List<Double> rawVerify, List<Double> rawVerifyJdk, int ticketBytes) {
    }

    static Result measure(Path dir, Path certs, TrustBench.Demo demo, List<ObjectNode> servedBodies) throws Exception {
        Submitter submitter = Submitter.of(TrustBench.operator(certs));
        MeshTls coordinator = MeshTls.load(certs, Role.COORDINATOR, "coordinator");
        Signer sealer = coordinator.signer();
        Map<String, MeshTls> tls = new LinkedHashMap<>();
        for (String d : demo.domains()) tls.put(d, MeshTls.load(certs, Role.DOMAIN, d));

        // the session steps through each node's own code, its journals on the disk, with a forced append interleaved
        List<Double> authorize = new ArrayList<>();
        List<Double> end = new ArrayList<>();
        List<Double> durable = new ArrayList<>();
        List<ChainSeals.Seal> madeSeals = new ArrayList<>();
        Path journals = Files.createDirectories(dir.resolve("bench-journals"));
        ObjectNode authEntry = authorizationEntry(demo, submitter);
        Map<String, DomainNode> nodes = new LinkedHashMap<>();
        for (String d : demo.domains()) {
            nodes.put(d, new DomainNode(d, new ArrayList<>(demo.own(d).values()), s -> { })
                    .trust(tls.get(d).ca(), tls.get(d).revocations()).stateDir(dir.resolve("bench-nodes").resolve(d)));
        }
        try (Catalog scratch = Catalog.inMemory("bench-trust-seals-" + System.nanoTime());
             Journal registry = Journal.open(journals.resolve("runs.jsonl"))) {
            ChainSeals seals = new ChainSeals(scratch);
            for (int i = 0; i < SESSION_WARMUP + SESSIONS; i++) {
                String runId = "bench-run-" + i;
                String jobId = "bench-job-" + i;
                byte[] ticket = demo.ticket(submitter).encode();
                ChainSeals.Seal seal = seals.seal(runId, sealer);
                madeSeals.add(seal);
                byte[] sealBlob = seal.toJson().toString().getBytes(StandardCharsets.UTF_8);
                for (String d : demo.domains()) {
                    Message auth = Message.request(jobId, runId, SessionSteps.PROTOCOL, SessionSteps.AUTHORIZE, 0, d)
                            .withBlobs(Map.of("ticket", ticket)).withSequence(1);
                    long t0 = System.nanoTime();
                    Message reply = nodes.get(d).handle(auth);
                    long t1 = System.nanoTime();
                    if (reply.failed()) throw new IllegalStateException("node " + d + " refused the bench's ticket: " + reply.error().message());
                    if (i >= SESSION_WARMUP) authorize.add((t1 - t0) / 1e6);
                }
                for (String d : demo.domains()) {
                    Message req = Message.request(jobId, runId, SessionSteps.PROTOCOL, SessionSteps.END, 0, d)
                            .withConfig(Map.of("outcome", "SUCCEEDED")).withBlobs(Map.of("seal", sealBlob)).withSequence(2);
                    long t0 = System.nanoTime();
                    Message reply = nodes.get(d).handle(req);
                    long t1 = System.nanoTime();
                    if (reply.failed()) throw new IllegalStateException("node " + d + " refused the end of " + runId + ": " + reply.error().message());
                    if (i >= SESSION_WARMUP) end.add((t1 - t0) / 1e6);
                }
                Thread.sleep(SETTLE_MS);
                // the forced append on its own, interleaved so that it sees the same disk as the session steps
                long t0 = System.nanoTime();
                registry.append(authEntry, true);
                long t1 = System.nanoTime();
                if (i >= SESSION_WARMUP) durable.add((t1 - t0) / 1e6);
            }
        }
        Thread.sleep(100);
        for (DomainNode n : nodes.values()) n.close();
        for (String d : demo.domains()) {
            Journal.Verification v = Journal.verify(dir.resolve("bench-nodes").resolve(d).resolve("runs.jsonl"));
            if (!v.ok()) throw new IllegalStateException("the bench node's run registry does not verify: " + v.problems());
            for (Journal.Entry e : v.entries()) {
                if (e.body().path("kind").asText().equals("note")) throw new IllegalStateException("node " + d + " noted " + e.body());
            }
        }

        // the seal check a node runs after answering the end, node after node, each seal parsed afresh from its bytes
        List<Double> sealCheck = new ArrayList<>();
        List<String> order = demo.domains();
        for (int i = 0; i < SEAL_WARMUP + SEAL_CHECKS; i++) {
            ChainSeals.Seal seal = madeSeals.get(i % madeSeals.size());
            ObjectNode json = (ObjectNode) JSON.readTree(seal.toJson().toString());
            X509Certificate ca = tls.get(order.get(i % order.size())).ca();
            long t0 = System.nanoTime();
            String problem = sealProblem(ca, json, seal.runId());
            long t1 = System.nanoTime();
            if (problem != null) throw new IllegalStateException("the bench's seal does not verify: " + problem);
            if (i >= SEAL_WARMUP) sealCheck.add((t1 - t0) / 1e6);
        }

        // the job-signature check alone, the nodes' verifiers in turn, a fresh ticket each time
        Map<String, TicketVerifier> verifiers = new LinkedHashMap<>();
        for (String d : order) verifiers.put(d, tls.get(d).ticketVerifier());
        List<byte[]> blobs = new ArrayList<>();
        for (int i = 0; i < TICKETS; i++) blobs.add(demo.ticket(submitter).encode());
        List<Double> signatureCheck = new ArrayList<>();
        for (int i = 0; i < CHECK_WARMUP + CHECKS; i++) {
            String d = order.get(i % order.size());
            byte[] blob = blobs.get(i % blobs.size());
            long t0 = System.nanoTime();
            signatureCheck(verifiers.get(d), demo.own(d), blob);
            long t1 = System.nanoTime();
            if (i >= CHECK_WARMUP) signatureCheck.add((t1 - t0) / 1e6);
        }

        // the node audit's append of a served request: written through, not forced
        List<Double> served = new ArrayList<>();
        try (Journal j = Journal.open(journals.resolve("audit.jsonl"))) {
            for (int i = 0; i < APPEND_WARMUP + APPENDS; i++) {
                ObjectNode e = servedBodies.get(i % servedBodies.size());
                long t0 = System.nanoTime();
                j.append(e, false);
                long t1 = System.nanoTime();
                if (i >= APPEND_WARMUP) served.add((t1 - t0) / 1e6);
            }
        }

        // the floor: raw EC P-256 (SHA256withECDSA) over the ticket's bytes
        byte[] ticketBytes = SignedTicket.decode(blobs.get(0)).ticket();
        List<Double> rawSign = new ArrayList<>();
        List<Double> rawVerify = new ArrayList<>();
        List<Double> rawVerifyJdk = new ArrayList<>();
        rawEc(ticketBytes, rawSign, rawVerify, rawVerifyJdk);
        return new Result(authorize, end, sealCheck, served, durable, signatureCheck, rawSign, rawVerify, rawVerifyJdk, ticketBytes.length);
    }

    /** The node's seal check ({@code SealCheck.problem}) from its public parts: fields, run, hash, certificate and signature. */
    private static String sealProblem(X509Certificate ca, ObjectNode json, String runId) {
        ChainSeals.Seal s = ChainSeals.Seal.fromJson(json);
        if (!s.runId().equals(runId)) return "the seal is of run " + s.runId();
        if (!s.recomputed().equals(s.hash())) return "the seal's hash does not match its fields";
        if (!s.signed()) return "the seal is unsigned";
        return s.signatureProblem(ca);
    }

    /** A node's own check of a ticket blob: decode, verify, and its products' versions and grants. */
    private static void signatureCheck(TicketVerifier verifier, Map<String, DataContract> own, byte[] blob) {
        SignedTicket signed = SignedTicket.decode(blob);
        TicketVerifier.Verified v = verifier.verify(signed, Instant.now());
        JobTicket t = v.ticket();
        int served = 0;
        for (JobTicket.ProductVersion pv : t.products()) {
            DataContract c = own.get(pv.id());
            if (c == null) continue;
            if (!c.version().equals(pv.version())) throw new IllegalStateException("version mismatch for " + pv.id());
            String why = Access.refusal(c, v.submitter(), t.purpose(), t.strategy());
            if (why != null) throw new IllegalStateException(why);
            served++;
        }
        if (served == 0) throw new IllegalStateException("the ticket names none of the node's products");
    }

    /** An authorization entry as a node's run registry records it, for the forced append. */
    private static ObjectNode authorizationEntry(TrustBench.Demo demo, Submitter submitter) {
        ObjectNode e = JsonNodeFactory.instance.objectNode().put("kind", "authorize").put("run", "bench-run").put("job", "bench-job")
                .put("nonce", JobTicket.freshNonce()).put("submitter", submitter.identity()).put("authenticated", true)
                .put("purpose", JobTicket.TRAIN).put("strategy", demo.plan().strategy()).put("ticket", HashChain.sha256Hex(demo.yaml()))
                .put("issued", Instant.now().toString());
        e.putArray("products").add(demo.contracts().get(0).id());
        return e;
    }

    private static void rawEc(byte[] bytes, List<Double> sign, List<Double> verify, List<Double> verifyJdk) throws Exception {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = kpg.generateKeyPair();
        java.security.Provider bc = new org.bouncycastle.jce.provider.BouncyCastleProvider();
        java.security.PublicKey bcKey = java.security.KeyFactory.getInstance("EC", bc)
                .generatePublic(new java.security.spec.X509EncodedKeySpec(kp.getPublic().getEncoded()));
        for (int i = 0; i < CHECK_WARMUP + CHECKS; i++) {
            long t0 = System.nanoTime();
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(kp.getPrivate());
            s.update(bytes);
            byte[] sig = s.sign();
            long t1 = System.nanoTime();
            Signature v = Signature.getInstance("SHA256withECDSA", bc);
            v.initVerify(bcKey);
            v.update(bytes);
            boolean ok = v.verify(sig);
            long t2 = System.nanoTime();
            Signature j = Signature.getInstance("SHA256withECDSA");
            j.initVerify(kp.getPublic());
            j.update(bytes);
            ok &= j.verify(sig);
            long t3 = System.nanoTime();
            if (!ok) throw new IllegalStateException("raw EC P-256 verification failed");
            if (i < CHECK_WARMUP) continue;
            sign.add((t1 - t0) / 1e6);
            verify.add((t2 - t1) / 1e6);
            verifyJdk.add((t3 - t2) / 1e6);
        }
    }
}
