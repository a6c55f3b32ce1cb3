package io.meshfl.engine.spark;

import io.meshfl.core.crypto.psi.Blinder;
import io.meshfl.core.crypto.psi.PsiKey;

/** Blinding on an executor: the alignment's secret scalar, rebuilt from its key material, one thread per task (Spark runs the tasks in parallel). */
final class Points {

    private Points() {
    }

    static Blinder blinder(byte[] keyMaterial) {
        return new Blinder(PsiKey.fromSecretBytes(keyMaterial), 1);
    }
}
