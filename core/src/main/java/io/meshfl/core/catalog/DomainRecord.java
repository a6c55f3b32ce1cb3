package io.meshfl.core.catalog;

import java.time.Instant;

/** A business domain registered with the catalog, and who owns it. */
public record DomainRecord(String name, String owner, Instant registeredAt) {}
