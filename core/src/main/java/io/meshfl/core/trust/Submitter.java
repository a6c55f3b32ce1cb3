package io.meshfl.core.trust;

/**
 * Whoever submits a job and signs its ticket: a mesh identity with its key, or, on a plaintext
 * trial mesh without certificates, just a claimed identity whose tickets go unsigned.
 */
public interface Submitter {

    /** The identity label tickets name ({@code client:NAME}, {@code domain:NAME} or {@code coordinator}). */
    String identity();

    SignedTicket sign(JobTicket ticket);

    /** Signs the standing ticket that arms a job's retraining (unsigned on a plaintext trial mesh, as its job tickets are). */
    SignedTicket sign(StandingTicket ticket);

    static Submitter of(Signer signer) {
        return new Submitter() {
            @Override
            public String identity() {
                return signer.identity().label();
            }

            @Override
            public SignedTicket sign(JobTicket ticket) {
                return SignedTicket.sign(ticket, signer);
            }

            @Override
            public SignedTicket sign(StandingTicket ticket) {
                return SignedTicket.sign(ticket, signer);
            }
        };
    }

    /** A claim without a key, for plaintext trial meshes: nodes with a CA refuse its tickets. */
    static Submitter unsigned(String identity) {
        String bad = MeshIdentity.invalidLabel(identity);
        if (bad != null) throw new IllegalArgumentException(bad);
        return new Submitter() {
            @Override
            public String identity() {
                return identity;
            }

            @Override
            public SignedTicket sign(JobTicket ticket) {
                return SignedTicket.unsigned(ticket);
            }

            @Override
            public SignedTicket sign(StandingTicket ticket) {
                return SignedTicket.unsigned(ticket);
            }
        };
    }
}
