package io.meshfl.cli;

import io.grpc.ManagedChannel;
import picocli.CommandLine.Option;

/**
 * The transport options of commands that submit work to a running coordinator ({@code run},
 * {@code predict}): those of {@link TlsOptions}, and whose certificate of the folder to present.
 */
final class SubmitterTlsOptions extends TlsOptions {

    @Option(names = "--tls-identity", defaultValue = "coordinator", paramLabel = "ID",
            description = "With --coordinator and --tls-dir: whose certificate to present: coordinator (the operator on its host), "
                    + "client:NAME or domain:NAME (default: ${DEFAULT-VALUE}).")
    String tlsIdentity;

    /** A channel to the coordinator at {@code target} under the chosen identity (plaintext with --insecure). */
    ManagedChannel dialCoordinator(String target) {
        return dialCoordinator(target, tlsIdentity);
    }
}
