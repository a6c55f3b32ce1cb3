package io.meshfl.coordinator;

import io.grpc.ManagedChannel;

/**
 * Opens the coordinator's channel to a registered node. Gets the domain as well as the address so
 * that a TLS dialer can insist on that domain's certificate: a node cannot point the coordinator
 * at another domain's server.
 */
@FunctionalInterface
public interface NodeDialer {
    ManagedChannel dial(String domain, String address);
}
