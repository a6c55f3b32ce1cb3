package io.meshfl.core.catalog;

import java.time.Instant;

/** One registered version of a mesh integration; the SHA-256 is taken over the YAML exactly as registered. */
public record IntegrationRecord(String id, String version, String yaml, String sha256, Instant registeredAt) {}
