package io.meshfl.engine.spark;

import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.data.ProductReader;
import io.meshfl.core.protocol.DirectNode;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeProtocol;
import io.meshfl.core.protocol.psi.PsiSteps;

import java.util.List;

/** A party of one file product reached directly, answering as the node's own PSI side or the Spark engine's (for tests and the benchmark). */
class FileParty extends DirectNode {

    final DataContract contract;
    private final NodeProtocol psi;

    FileParty(DataContract contract, NodeProtocol psi) {
        super(contract.domain());
        this.contract = contract;
        this.psi = psi;
    }

    @Override
    protected Message answer(Message request) {
        try {
            return psi.handle(request, this);
        } catch (MeshflException e) {
            return request.failure(domain, e.code(), e.getMessage());
        }
    }

    @Override
    public Dataset load(String productId, List<String> features, String label) {
        return ProductReader.read(contract, features, label);
    }

    @Override
    public String[] joinKeys(String productId, String column) {
        return ProductReader.readKeys(contract, column);
    }

    /** The aligned rows of job {@code job}'s alignment. */
    int[] aligned(String job) {
        return (int[]) jobState(job).get(PsiSteps.ALIGNED_ROWS);
    }
}
