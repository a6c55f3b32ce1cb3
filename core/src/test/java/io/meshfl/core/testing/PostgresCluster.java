package io.meshfl.core.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PostgreSQL cluster for tests: {@code initdb} into a fresh folder, started with
 * {@code pg_ctl} on a free loopback port and a private socket folder, TLS only (a self-signed
 * server certificate for 127.0.0.1, which clients verify), password authentication for one
 * role, and removed again on {@link #close()}. Uses the PostgreSQL server binaries of the
 * machine ({@code /usr/lib/postgresql/<version>/bin}, Debian's {@code postgresql} package); run as
 * root it runs them as the {@code postgres} account, since PostgreSQL refuses to run as root.
 */
public final class PostgresCluster implements AutoCloseable {

    public static final String USER = "meshfl";

    private final Path bin;
    private final Path home;
    private final Path data;
    private final int port;
    private final String password;
    private final boolean asPostgres;
    /** Another address the server listens on besides loopback, and the clients it admits there (null: loopback only). */
    private String address;
    private String clients;

    private PostgresCluster(Path bin, Path home, int port, String password, boolean asPostgres) {
        this.bin = bin;
        this.home = home;
        this.data = home.resolve("data");
        this.port = port;
        this.password = password;
        this.asPostgres = asPostgres;
    }

    /** The server binaries of this machine, if PostgreSQL is installed. */
    public static Optional<Path> binaries() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) return Optional.empty();
        try (var versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(Path::toString));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Creates and starts a cluster; throws when PostgreSQL is not installed or does not start. */
    public static PostgresCluster start() throws Exception {
        return start(null, null);
    }

    /**
     * As {@link #start()}, listening on {@code address} too (which must exist on this host) for
     * clients from {@code clients} (a CIDR), over TLS only; its URLs name that address.
     */
    public static PostgresCluster start(String address, String clients) throws Exception {
        Path bin = binaries().orElseThrow(() -> new IllegalStateException("PostgreSQL server binaries are not installed (Debian package postgresql)"));
        boolean root = "root".equals(System.getProperty("user.name"));
        Path home = Files.createTempDirectory(Path.of("/tmp"), "meshfl-pg-");
        byte[] pw = new byte[12];
        new SecureRandom().nextBytes(pw);
        PostgresCluster c = new PostgresCluster(bin, home, freePort(), HexFormat.of().formatHex(pw), root);
        c.address = address;
        c.clients = clients;
        c.init();
        c.startServer();
        return c;
    }

    private void init() throws Exception {
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        Path pwfile = home.resolve("pwfile");
        Files.writeString(pwfile, password + "\n");
        run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1" + (address == null ? "" : ",IP:" + address), "-keyout", home.resolve("server.key").toString(),
                "-out", home.resolve("server.crt").toString()), false);
        Files.setPosixFilePermissions(home.resolve("server.key"), PosixFilePermissions.fromString("rw-------"));
        Files.createDirectories(home.resolve("sockets"));
        if (asPostgres) {
            UserPrincipal pg = home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            try (var files = Files.walk(home)) {
                for (Path f : files.toList()) Files.setOwner(f, pg);
            }
        }
        run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "--pwfile=" + pwfile, "--auth=scram-sha-256",
                "-E", "UTF8", "--no-instructions"), true);
        // connections only over TLS on loopback
        Files.writeString(data.resolve("pg_hba.conf"), "local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n"
                + (clients == null ? "" : "hostssl all all " + clients + " scram-sha-256\n"));
    }

    private void startServer() throws Exception {
        String opts = "-p " + port + " -k " + home.resolve("sockets") + " -c listen_addresses=127.0.0.1" + (address == null ? "" : "," + address)
                + " -c ssl=on -c ssl_cert_file="
                + home.resolve("server.crt") + " -c ssl_key_file=" + home.resolve("server.key") + " -c fsync=on";
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", home.resolve("server.log").toString(), "-w", "-t", "60",
                "-o", opts, "start"), true);
    }

    /** Stops the server (fast shutdown), keeping its data: for tests that take the database away and bring it back. */
    public void stopServer() throws Exception {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-m", "fast", "stop"), true);
    }

    /** Starts a stopped server again on the same port. */
    public void restartServer() throws Exception {
        startServer();
    }

    public int port() {
        return port;
    }

    public String password() {
        return password;
    }

    /** The server's certificate, which clients verify against (sslmode=verify-full). */
    public Path serverCertificate() {
        return home.resolve("server.crt");
    }

    /** A JDBC URL of database {@code db} over verified TLS. */
    public String jdbcUrl(String db) {
        return "jdbc:postgresql://" + (address == null ? "127.0.0.1" : address) + ":" + port + "/" + db + "?sslmode=verify-full&sslrootcert=" + serverCertificate();
    }

    /** Creates a fresh database; returns its JDBC URL. */
    public String createDatabase(String name) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), USER, password); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return jdbcUrl(name);
    }

    private void run(List<String> command, boolean asServerAccount) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (asServerAccount && asPostgres) cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        cmd.addAll(command);
        Path out = Files.createTempFile("meshfl-pg-cmd", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish");
            }
            if (p.exitValue() != 0) {
                String log = Files.exists(home.resolve("server.log")) ? Files.readString(home.resolve("server.log"), StandardCharsets.UTF_8) : "";
                throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "): "
                        + Files.readString(out, StandardCharsets.UTF_8) + log);
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (Files.exists(data.resolve("postmaster.pid"))) stopServer();
        } finally {
            try (var files = Files.walk(home)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            }
        }
    }

    /**
     * One cluster for all the tests of a class: {@code @RegisterExtension static final
     * PostgresCluster.PerClass PG = new PostgresCluster.PerClass();}, then {@code PG.get()}.
     */
    public static final class PerClass implements org.junit.jupiter.api.extension.BeforeAllCallback,
            org.junit.jupiter.api.extension.AfterAllCallback {

        private PostgresCluster cluster;

        @Override
        public void beforeAll(org.junit.jupiter.api.extension.ExtensionContext context) throws Exception {
            cluster = start();
        }

        @Override
        public void afterAll(org.junit.jupiter.api.extension.ExtensionContext context) throws Exception {
            if (cluster != null) cluster.close();
        }

        public PostgresCluster get() {
            if (cluster == null) throw new IllegalStateException("the PostgreSQL cluster is started before the class's tests");
            return cluster;
        }
    }
}
