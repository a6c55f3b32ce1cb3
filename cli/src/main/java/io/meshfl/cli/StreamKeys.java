package io.meshfl.cli;

import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Pem;
import io.meshfl.core.trust.Revocations;
import io.meshfl.core.trust.Signer;
import io.meshfl.stream.JoinProcess;
import io.meshfl.stream.join.JoinKey;
import io.meshfl.stream.join.JoinSpec;
import io.meshfl.stream.join.SignedJoinKey;
import io.meshfl.wire.tls.CertificateAuthority;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * {@code meshfl stream keys}: a party's X25519 key pair for one stream join, and, with the domain
 * node's certificate folder, its public half signed by the node ({@link SignedJoinKey}), which the
 * other party checks against the mesh CA instead of taking a plain file at its word.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Make this party's X25519 key pair for one stream join: NAME.key (hex, readable by its owner only) and NAME.pub; "
                + "with --tls-dir also NAME.pub.signed, the public key signed by this domain's node.")
final class StreamKeys implements Runnable {

    @Option(names = "--out", required = true, description = "Folder for the key files.")
    Path out;

    @Option(names = "--name", required = true, description = "File name stem, such as the domain.")
    String name;

    @Option(names = "--tls-dir", paramLabel = "DIR", description = "The domain node's certificate folder (meshfl certs): sign the public key with "
            + "its certificate for --job and --side.")
    Path tlsDir;

    @Option(names = "--domain", description = "With --tls-dir: this party's domain, whose node certificate signs.")
    String domain;

    @Option(names = "--job", description = "With --tls-dir: the join the key is for.")
    String job;

    @Option(names = "--side", description = "With --tls-dir: leader or follower, this party's side of the join.")
    String side;

    @Override
    public void run() {
        Signer signer = null;
        if (tlsDir != null) {
            if (domain == null || job == null || side == null) throw new IllegalArgumentException("--tls-dir: a signed key names --domain, --job and --side");
            String stem = CertificateAuthority.stem(MeshIdentity.Role.DOMAIN, domain);
            signer = Signer.load(tlsDir.resolve(stem + ".pem"), tlsDir.resolve(stem + "-key.pem"));
        } else if (domain != null || job != null || side != null) {
            throw new IllegalArgumentException("--domain, --job and --side name what a signed key is for; give --tls-dir to sign it");
        }
        byte[] secret = JoinKey.newSecret(new SecureRandom());
        byte[] pub = JoinKey.publicOf(secret);
        try {
            io.meshfl.core.trust.PrivateFiles.directory(out, "the key folder");
            Path key = out.resolve(name + ".key");
            Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(key, HexFormat.of().formatHex(secret) + "\n");
            Files.writeString(out.resolve(name + ".pub"), HexFormat.of().formatHex(pub) + "\n");
            if (signer != null) Files.write(out.resolve(name + ".pub.signed"), SignedJoinKey.sign(signer, job, side(side), pub).encode());
        } catch (IOException e) {
            throw new UncheckedIOException("the key files cannot be written in " + out + ": " + e.getMessage(), e);
        }
        System.out.println("wrote " + out.resolve(name + ".key") + " (secret, 0600) and " + out.resolve(name + (signer == null ? ".pub" : ".pub.signed"))
                + " (give it to the other party)");
    }

    static JoinSpec.Side side(String s) {
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "leader" -> JoinSpec.Side.LEADER;
            case "follower" -> JoinSpec.Side.FOLLOWER;
            default -> throw new IllegalArgumentException("--side: expected leader or follower, found '" + s + "'");
        };
    }

    /**
     * The other party's public key: with this node's certificate folder, only from a key its node signed for this join
     * and the other side under the mesh CA, its certificate the peer domain's and not revoked; without it, a plain key
     * file taken as given, which {@code log} says.
     */
    static byte[] peerPublic(Path file, Path tlsDir, String peerDomain, String job, JoinSpec.Side mySide, Consumer<String> log) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        boolean signed = new String(bytes, java.nio.charset.StandardCharsets.UTF_8).stripLeading().startsWith("{");
        if (tlsDir == null) {
            if (peerDomain != null) throw new IllegalArgumentException("--peer-domain names the domain whose node must have signed the other party's "
                    + "key; give --tls-dir (this node's certificate folder) to check it");
            if (signed) throw new IllegalArgumentException("--peer-public " + file + " is a signed key: give --tls-dir (this node's certificate folder) "
                    + "and --peer-domain to check it");
            log.accept("the other party's public key is taken as given from " + file + ": not signed by its node (give --tls-dir and --peer-domain "
                    + "to take only a key its node signed)");
            return JoinProcess.readKey(file, false);
        }
        if (peerDomain == null) throw new IllegalArgumentException("--peer-domain: with --tls-dir, the domain whose node must have signed the other party's key");
        if (!signed) throw new IllegalArgumentException("--peer-public " + file + " is not signed by the other party's node; with --tls-dir only a signed "
                + "key is taken (meshfl stream keys --tls-dir ... on its side)");
        X509Certificate ca = Pem.certificate(tlsDir.resolve("ca.pem"));
        Revocations revocations = new Revocations(tlsDir.resolve(CertificateAuthority.CRL), ca);
        JoinSpec.Side peerSide = mySide == JoinSpec.Side.LEADER ? JoinSpec.Side.FOLLOWER : JoinSpec.Side.LEADER;
        byte[] key = SignedJoinKey.decode(bytes).verify(job, peerSide, peerDomain, ca, revocations::isRevoked, Instant.now());
        log.accept("the other party's public key is domain " + peerDomain + "'s, signed by its node under the mesh CA");
        return key;
    }
}
