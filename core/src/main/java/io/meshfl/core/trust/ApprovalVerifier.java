package io.meshfl.core.trust;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.math.BigInteger;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.function.Predicate;

/**
 * Checks a data owner's approval of a model: a certificate of the mesh CA, valid and unrevoked now,
 * of the domain that owns the product ({@code domain:NAME}), whose key signed exactly the registry's
 * statement for that model, product version and contract. Anything else is refused with
 * {@code POLICY_VIOLATION} saying why.
 */
public final class ApprovalVerifier {

    /** Who approved, and the SHA-256 of the certificate that says so. */
    public record Approver(String label, String certificateSha256) {
    }

    private final X509Certificate ca;
    private final Predicate<BigInteger> revoked;

    public ApprovalVerifier(X509Certificate ca, Predicate<BigInteger> revoked) {
        this.ca = ca;
        this.revoked = revoked;
    }

    /** The approver of {@code statement}, signed with {@code signature} under certificate {@code der}, for the product's {@code ownerDomain}. */
    public Approver verify(byte[] statement, byte[] signature, byte[] der, String ownerDomain, Instant now) {
        if (ca == null) refuse("approvals are signed with the owner's mesh certificate; this mesh has no CA (a plaintext trial mesh)");
        X509Certificate cert;
        MeshIdentity id;
        try {
            cert = MeshCertificates.decode(der);
            id = MeshCertificates.verify(cert, ca, now);
        } catch (CertificateException e) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "approval refused: " + e.getMessage());
        }
        if (revoked.test(id.serial())) refuse("approval refused: the certificate of " + id.describe() + " is revoked by the mesh CA");
        if (id.role() != MeshIdentity.Role.DOMAIN || !id.name().equals(ownerDomain)) {
            refuse("approval refused: the product is owned by domain " + ownerDomain + ", and " + id.describe() + " does not speak for it");
        }
        if (signature == null || !Signer.verify(cert, statement, signature)) {
            refuse("approval refused: the signature of " + id.describe() + " does not match the registry's statement for this model, product "
                    + "version and contract (altered, or signed for another)");
        }
        try {
            return new Approver(id.label(), HashChain.sha256Hex(cert.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "approval refused: the certificate cannot be encoded", e);
        }
    }

    private static void refuse(String why) {
        throw new MeshflException(ErrorCode.POLICY_VIOLATION, why);
    }
}
