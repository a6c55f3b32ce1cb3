package io.meshfl.core.trust;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.nio.ByteBuffer;
import java.security.cert.CertificateEncodingException;

/**
 * A {@link JobTicket} as it travels: the exact ticket bytes that were signed, the signer's
 * certificate (DER) and the signature. Receivers parse the ticket from the signed bytes, so no
 * canonical form is needed. An unsigned ticket (no certificate, no signature) is what a
 * plaintext trial mesh sends: its submitter is a claim nobody checked.
 */
public record SignedTicket(byte[] ticket, byte[] certificate, byte[] signature) {

    public SignedTicket {
        ticket = ticket.clone();
        certificate = certificate == null ? new byte[0] : certificate.clone();
        signature = signature == null ? new byte[0] : signature.clone();
    }

    public static SignedTicket sign(JobTicket t, Signer signer) {
        return sign(t.submitter(), t.encode(), signer);
    }

    /** An owner's standing retraining ticket, in the same envelope and under the same rule: only its submitter signs it. */
    public static SignedTicket sign(StandingTicket t, Signer signer) {
        return sign(t.submitter(), t.encode(), signer);
    }

    private static SignedTicket sign(String submitter, byte[] bytes, Signer signer) {
        if (!submitter.equals(signer.identity().label())) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "a ticket for submitter " + submitter + " cannot be signed by "
                    + signer.identity().describe());
        }
        try {
            return new SignedTicket(bytes, signer.certificate().getEncoded(), signer.sign(bytes));
        } catch (CertificateEncodingException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "cannot encode the certificate of " + signer.identity().describe(), e);
        }
    }

    public static SignedTicket unsigned(JobTicket t) {
        return new SignedTicket(t.encode(), null, null);
    }

    public static SignedTicket unsigned(StandingTicket t) {
        return new SignedTicket(t.encode(), null, null);
    }

    public boolean signed() {
        return signature.length > 0;
    }

    /** The ticket inside (not verified). */
    public JobTicket content() {
        return JobTicket.decode(ticket);
    }

    /** The standing retraining ticket inside (not verified); a job ticket is refused as malformed. */
    public StandingTicket standing() {
        return StandingTicket.decode(ticket);
    }

    /** SHA-256 of the signed bytes: how logs and the catalog name this exact ticket. */
    public String fingerprint() {
        return HashChain.sha256Hex(ticket);
    }

    /** One blob: three length-prefixed parts. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(12 + ticket.length + certificate.length + signature.length);
        b.putInt(ticket.length).put(ticket).putInt(certificate.length).put(certificate).putInt(signature.length).put(signature);
        return b.array();
    }

    public static SignedTicket decode(byte[] blob) {
        try {
            ByteBuffer b = ByteBuffer.wrap(blob);
            byte[] t = part(b);
            byte[] c = part(b);
            byte[] s = part(b);
            if (b.hasRemaining()) throw new IllegalArgumentException("trailing bytes");
            return new SignedTicket(t, c, s);
        } catch (RuntimeException e) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "the signed job ticket is malformed (" + e.getMessage() + ")");
        }
    }

    private static byte[] part(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) throw new IllegalArgumentException("part length " + n);
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }
}
