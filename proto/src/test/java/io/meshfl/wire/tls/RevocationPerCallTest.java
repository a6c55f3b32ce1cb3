package io.meshfl.wire.tls;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.proto.HeartbeatReply;
import io.meshfl.proto.HeartbeatRequest;
import io.meshfl.proto.CoordinatorServiceGrpc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Revocation on calls of a connection that is already open, in both directions; key folders others can read. */
class RevocationPerCallTest {

    @TempDir
    Path dir;

    private static Server serve(MeshTls tls, PeerPolicy callers) throws Exception {
        return tls.server(new InetSocketAddress("127.0.0.1", 0), callers).addService(new CoordinatorServiceGrpc.CoordinatorServiceImplBase() {
            @Override
            public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatReply> out) {
                out.onNext(HeartbeatReply.newBuilder().setKnown(true).build());
                out.onCompleted();
            }
        }).build().start();
    }

    private static HeartbeatReply beat(ManagedChannel ch) {
        return CoordinatorServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).heartbeat(HeartbeatRequest.getDefaultInstance());
    }

    @Test
    void aServerRevokedWhileTheConnectionIsOpenIsRefusedByTheClientBeforeItSendsAnything() throws Exception {
        Path certs = dir.resolve("certs");
        CertificateAuthority ca = CertificateAuthority.create(certs, CertificateAuthority.KeyType.EC, "t", 10);
        ca.issue(MeshIdentity.Role.COORDINATOR, "coordinator", 5);
        ca.issue(MeshIdentity.Role.DOMAIN, "bank", 5);
        Server server = serve(MeshTls.load(certs, MeshIdentity.Role.DOMAIN, "bank").log(s -> { }), PeerPolicy.coordinator());
        List<String> log = new CopyOnWriteArrayList<>();
        MeshTls coordinator = MeshTls.load(certs, MeshIdentity.Role.COORDINATOR, "coordinator").log(log::add);
        ManagedChannel ch = coordinator.dial("127.0.0.1:" + server.getPort(), PeerPolicy.domain("bank"));
        try {
            assertTrue(beat(ch).getKnown());
            ca.revoke("bank");
            Thread.sleep(1200); // revocation lists are re-read at most once a second
            var e = assertThrows(StatusRuntimeException.class, () -> beat(ch));
            assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("domain 'bank'") && e.getStatus().getDescription().contains("has been revoked"),
                    e.getStatus().getDescription());
            assertTrue(log.stream().anyMatch(l -> l.contains("refusing to call Heartbeat")), log.toString());
        } finally {
            ch.shutdownNow();
            server.shutdownNow();
        }
    }

    @Test
    void aClientRevokedWhileTheConnectionIsOpenIsRefusedByTheServerAndLogged() throws Exception {
        Path certs = dir.resolve("certs");
        CertificateAuthority ca = CertificateAuthority.create(certs, CertificateAuthority.KeyType.EC, "t", 10);
        ca.issue(MeshIdentity.Role.COORDINATOR, "coordinator", 5);
        ca.issue(MeshIdentity.Role.DOMAIN, "bank", 5);
        List<String> serverLog = new CopyOnWriteArrayList<>();
        Server server = serve(MeshTls.load(certs, MeshIdentity.Role.COORDINATOR, "coordinator").log(serverLog::add), PeerPolicy.anyMember());
        // the client reads its own copy of the list, which has not been updated: only the server knows
        Path clientCerts = dir.resolve("client-copy");
        Files.createDirectories(clientCerts);
        Files.setPosixFilePermissions(clientCerts, PosixFilePermissions.fromString("rwx------"));
        for (String f : List.of("ca.pem", "crl.pem", "bank.pem", "bank-key.pem")) Files.copy(certs.resolve(f), clientCerts.resolve(f));
        ManagedChannel ch = MeshTls.load(clientCerts, MeshIdentity.Role.DOMAIN, "bank").log(s -> { })
                .dial("127.0.0.1:" + server.getPort(), PeerPolicy.coordinator());
        try {
            assertTrue(beat(ch).getKnown());
            ca.revoke("bank");
            Thread.sleep(1200);
            var e = assertThrows(StatusRuntimeException.class, () -> beat(ch));
            assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
            assertTrue(serverLog.stream().anyMatch(l -> l.contains("refused Heartbeat") && l.contains("domain 'bank'") && l.contains("revoked")),
                    serverLog.toString());
        } finally {
            ch.shutdownNow();
            server.shutdownNow();
        }
    }

    @Test
    void aKeyFolderOthersCanReadIsRefused() throws Exception {
        Path certs = dir.resolve("certs");
        CertificateAuthority.create(certs, CertificateAuthority.KeyType.EC, "t", 10).issue(MeshIdentity.Role.DOMAIN, "bank", 5);
        Files.setPosixFilePermissions(certs, PosixFilePermissions.fromString("rwxr-xr-x"));
        var e = assertThrows(MeshflException.class, () -> MeshTls.load(certs, MeshIdentity.Role.DOMAIN, "bank"));
        assertTrue(e.getMessage().contains("key folder " + certs.toAbsolutePath()) && e.getMessage().contains("chmod 700"), e.getMessage());
        Files.setPosixFilePermissions(certs, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(certs.resolve("bank-key.pem"), PosixFilePermissions.fromString("rw-r--r--"));
        var k = assertThrows(MeshflException.class, () -> MeshTls.load(certs, MeshIdentity.Role.DOMAIN, "bank"));
        assertTrue(k.getMessage().contains("bank-key.pem") && k.getMessage().contains("chmod 600"), k.getMessage());
    }

    @Test
    void certificatesThatWouldBeExpiredAtIssueAreRefused() {
        CertificateAuthority ca = CertificateAuthority.create(dir.resolve("c"), CertificateAuthority.KeyType.EC, "t", 10);
        for (int days : new int[]{0, -1}) {
            var e = assertThrows(MeshflException.class, () -> ca.issue(MeshIdentity.Role.CLIENT, "x", days));
            assertTrue(e.getMessage().contains("--days " + days) && e.getMessage().contains("at least 1 day"), e.getMessage());
        }
    }
}
