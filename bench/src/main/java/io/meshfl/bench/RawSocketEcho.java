package io.meshfl.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The transport floor of a sidecar round: a parameter vector sent as little-endian float64 bytes
 * over a plain Unix-domain socket to a thread that adds 1e-9 to each value and sends it back, with
 * no framing, no protobuf and no HTTP/2. What any trainer in another process at least pays.
 */
final class RawSocketEcho implements AutoCloseable {

    private final ServerSocketChannel server;
    private final SocketChannel client;
    private final Thread echo;
    private final ByteBuffer out;
    private final ByteBuffer in;

    RawSocketEcho(Path dir, int doubles) throws IOException {
        Path socket = dir.resolve("raw-echo.sock");
        Files.deleteIfExists(socket);
        int bytes = doubles * Double.BYTES;
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        echo = new Thread(() -> {
            try (SocketChannel c = server.accept()) {
                ByteBuffer b = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
                while (true) {
                    b.clear();
                    while (b.hasRemaining()) if (c.read(b) < 0) return;
                    b.flip();
                    DoubleBuffer d = b.asDoubleBuffer();
                    for (int i = 0; i < d.limit(); i++) d.put(i, d.get(i) + 1e-9);
                    while (b.hasRemaining()) c.write(b);
                }
            } catch (IOException e) {
                // closed with the benchmark
            }
        }, "raw-socket-echo");
        echo.setDaemon(true);
        echo.start();
        client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        out = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
        in = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** One round: {@code v} there, each value plus 1e-9 back, in a new vector. */
    double[] round(double[] v) {
        try {
            out.clear();
            out.asDoubleBuffer().put(v);
            while (out.hasRemaining()) client.write(out);
            in.clear();
            while (in.hasRemaining()) if (client.read(in) < 0) throw new IOException("the echo closed");
            in.flip();
            double[] r = new double[v.length];
            in.asDoubleBuffer().get(r);
            return r;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        client.close();
        server.close();
    }
}
