package io.meshfl.cli;

import io.grpc.ManagedChannel;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.wire.tls.MeshTls;
import io.meshfl.wire.tls.PeerPolicy;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The transport options of every command that opens a mesh socket: mutual TLS with the
 * certificates of a {@code meshfl certs} folder, or plaintext only when asked for by name.
 */
class TlsOptions {

    @Option(names = "--tls-dir", paramLabel = "DIR",
            description = "Folder made by 'meshfl certs': ca.pem, crl.pem and this party's <name>.pem / <name>-key.pem. Required unless --insecure.")
    Path tlsDir;

    private boolean warned;

    @Option(names = "--insecure", description = "Plaintext gRPC, no certificates: no encryption and no identity checks. For trials on a trusted network only.")
    boolean insecure;

    /** This party's TLS material, or null with --insecure (after a warning); refuses to go on with neither. */
    MeshTls load(MeshIdentity.Role role, String name) {
        if (insecure && tlsDir != null) {
            throw new MeshflException(ErrorCode.JOB_INVALID, "give either --tls-dir or --insecure, not both");
        }
        if (insecure) {
            if (warned) return null;
            warned = true;
            System.err.println("WARNING: --insecure: gRPC runs in plaintext without certificates; anyone on the network can read "
                    + "the traffic and register as any domain");
            return null;
        }
        if (tlsDir == null) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "refusing to start without certificates: give --tls-dir "
                    + "(a folder made by 'meshfl certs init') or, for a plaintext trial, --insecure");
        }
        return MeshTls.load(tlsDir, role, name);
    }

    /**
     * A client channel to the coordinator: mutual TLS as {@code identity}, or plaintext with
     * --insecure. {@code target} may list several addresses, comma-separated (an active coordinator
     * and its standby): the channel goes to the first that accepts a connection (a standby listens
     * only once it has taken over).
     */
    ManagedChannel dialCoordinator(String target, String identity) {
        MeshTls tls = load(role(identity), name(identity));
        java.util.List<String> targets = java.util.Arrays.stream(target.split(",")).map(String::strip).filter(t -> !t.isEmpty()).toList();
        if (targets.size() <= 1) return tls == null ? EmbeddedMesh.dial(target.strip()) : tls.dial(target.strip(), PeerPolicy.coordinator());
        ManagedChannel first = null;
        for (String t : targets) {
            ManagedChannel ch = tls == null ? EmbeddedMesh.dial(t) : tls.dial(t, PeerPolicy.coordinator());
            if (connects(ch, java.time.Duration.ofSeconds(3))) {
                if (first != null) first.shutdownNow();
                return ch;
            }
            if (first == null) first = ch;
            else ch.shutdownNow();
        }
        // none answers: calls on the first say why
        return first;
    }

    /** Whether {@code ch} gets a connection within {@code wait}. */
    private static boolean connects(ManagedChannel ch, java.time.Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        io.grpc.ConnectivityState state = ch.getState(true);
        while (state != io.grpc.ConnectivityState.READY) {
            if (state == io.grpc.ConnectivityState.TRANSIENT_FAILURE || state == io.grpc.ConnectivityState.SHUTDOWN) return false;
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            java.util.concurrent.CountDownLatch changed = new java.util.concurrent.CountDownLatch(1);
            ch.notifyWhenStateChanged(state, changed::countDown);
            try {
                if (!changed.await(left, java.util.concurrent.TimeUnit.NANOSECONDS)) return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            state = ch.getState(false);
        }
        return true;
    }

    /**
     * Runs {@code call} to the coordinator at {@code target}; when the coordinator cannot be
     * reached, says in one line whether the transports do not match (a plaintext client at a TLS
     * coordinator or the reverse) rather than gRPC's "Network closed for unknown reason".
     */
    static void explainRefusal(String target, boolean usingTls, Runnable call) {
        try {
            call.run();
        } catch (io.grpc.StatusRuntimeException e) {
            if (e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE) throw e;
            String mismatch = mismatch(target, usingTls);
            if (mismatch != null) throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, mismatch, e);
            throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "cannot reach the coordinator at " + target + ": "
                    + e.getStatus().getCode() + (e.getStatus().getDescription() == null ? "" : " (" + e.getStatus().getDescription() + ")"), e);
        }
    }

    /**
     * The next event of a stream from the coordinator at {@code target}; when the coordinator is
     * lost, one line saying so, followed by {@code then} (what the user can do now), instead of
     * gRPC's exception.
     */
    static <T> boolean next(java.util.Iterator<T> events, String target, String then) {
        try {
            return events.hasNext();
        } catch (io.grpc.StatusRuntimeException e) {
            throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "lost the coordinator at " + target + " (" + e.getStatus().getCode() + ")"
                    + then);
        }
    }

    /**
     * Why a coordinator at {@code target} that could not be reached speaks another transport than
     * this command (plaintext against mutual TLS, or the reverse), or null when it does not (it may
     * simply be down).
     */
    static String mismatch(String target, boolean usingTls) {
        boolean serverTls = io.meshfl.wire.tls.TlsProbe.speaksTls(target, 3000);
        if (serverTls && !usingTls) {
            return "the coordinator at " + target + " requires mutual TLS, but this command runs --insecure (plaintext); give --tls-dir "
                    + "with this party's certificate instead";
        }
        if (!serverTls && usingTls && io.meshfl.wire.tls.TlsProbe.listens(target, 3000)) {
            return "the coordinator at " + target + " does not answer TLS (was it started with --insecure?); this command talks mutual TLS";
        }
        return null;
    }

    /** "coordinator", "domain:NAME" or "client:NAME". */
    static MeshIdentity.Role role(String identity) {
        if (identity.equals("coordinator")) return MeshIdentity.Role.COORDINATOR;
        if (identity.startsWith("domain:")) return MeshIdentity.Role.DOMAIN;
        if (identity.startsWith("client:")) return MeshIdentity.Role.CLIENT;
        throw new MeshflException(ErrorCode.JOB_INVALID, "--tls-identity: expected 'coordinator', 'domain:NAME' or 'client:NAME', found '" + identity + "'");
    }

    static String name(String identity) {
        int colon = identity.indexOf(':');
        return colon < 0 ? identity : identity.substring(colon + 1);
    }
}
