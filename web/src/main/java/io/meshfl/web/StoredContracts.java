package io.meshfl.web;

import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;

import java.nio.file.Path;

/** A product's stored contract as the API and the console read it. */
public final class StoredContracts {

    private StoredContracts() {
    }

    /** The contract of {@code p} as this coordinator's loader reads it, or null when it no longer loads (shown as such, never dropped). */
    public static DataContract load(ProductRecord p) {
        try {
            return ContractLoader.parse(p.contractYaml(), Path.of(p.id() + ".yaml"), false);
        } catch (MeshflException e) {
            return null;
        }
    }
}
