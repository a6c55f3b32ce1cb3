package io.meshfl.core.contract;

import java.util.List;

/**
 * One entry of a contract's {@code meshfl.consumers}: an identity the domain lets use its product,
 * what for ({@code may}: train, predict) and through which protocols ({@code protocols}, empty:
 * any the product takes part in). The identity is {@code client:NAME}, {@code domain:NAME},
 * {@code coordinator}, or {@code *} for any certificate of the mesh.
 */
public record Grant(String identity, List<String> may, List<String> protocols) {

    /** What {@code may} can name. */
    public static final List<String> USES = List.of("train", "predict");

    public Grant {
        may = List.copyOf(may);
        protocols = List.copyOf(protocols);
    }

    /** Whether this entry names {@code identity} (a label such as {@code client:risk-team}). */
    public boolean names(String identityLabel) {
        return identity.equals("*") || identity.equals(identityLabel);
    }
}
