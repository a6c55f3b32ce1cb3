package io.meshfl.core.protocol.horizontal;

import io.meshfl.core.ErrorCode;

/** A node that did not deliver a usable result in a round, and why. Part of the aggregation contract, not an exception. */
public record Failure(String nodeId, ErrorCode code, String reason) {
}
