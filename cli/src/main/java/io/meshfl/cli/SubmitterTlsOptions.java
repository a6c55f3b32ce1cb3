package io.meshfl.cli;

import io.grpc.ManagedChannel;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Signer;
import io.meshfl.core.trust.Submitter;
import io.meshfl.wire.tls.CertificateAuthority;
import picocli.CommandLine.Option;

/**
 * The transport options of commands that submit work to a running coordinator ({@code run},
 * {@code predict}): those of {@link TlsOptions}, and whose certificate of the folder to present
 * and to sign the job's ticket with.
 */
final class SubmitterTlsOptions extends TlsOptions {

    @Option(names = "--tls-identity", defaultValue = "client:operator", paramLabel = "ID",
            description = "With --coordinator: who submits and signs the job: client:NAME (default: ${DEFAULT-VALUE}, the operator "
                    + "certificate 'meshfl certs init' issues), domain:NAME or coordinator. Products must grant it (meshfl.consumers).")
    String tlsIdentity;

    /** A channel to the coordinator at {@code target} under the chosen identity (plaintext with --insecure). */
    ManagedChannel dialCoordinator(String target) {
        return dialCoordinator(target, tlsIdentity);
    }

    boolean usingTls() {
        return !insecure;
    }

    /** The chosen identity's certificate and key from --tls-dir, or null with --insecure. */
    Signer signer() {
        MeshIdentity.Role role = role(tlsIdentity);
        String name = name(tlsIdentity);
        if (load(role, name) == null) return null;
        String stem = CertificateAuthority.stem(role, name);
        return Signer.load(tlsDir.resolve(stem + ".pem"), tlsDir.resolve(stem + "-key.pem"));
    }

    /** Who signs: the chosen identity's key from --tls-dir, or with --insecure an unsigned claim of that identity. */
    Submitter submitter() {
        MeshIdentity.Role role = role(tlsIdentity);
        String name = name(tlsIdentity);
        if (load(role, name) == null) return Submitter.unsigned(tlsIdentity);
        String stem = CertificateAuthority.stem(role, name);
        return Submitter.of(Signer.load(tlsDir.resolve(stem + ".pem"), tlsDir.resolve(stem + "-key.pem")));
    }
}
