package io.meshfl.core.catalog;

import java.time.Instant;

/**
 * One contract version of a data product. {@code rows} is -1 when the row count is unknown.
 * The SHA-256 is taken over the contract YAML exactly as registered.
 */
public record ProductRecord(String id, String domain, String version, String contractYaml, String contractSha256,
                            Instant registeredAt, int rows) {}
