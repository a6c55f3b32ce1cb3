package io.meshfl.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP relay that keeps every byte it forwards, both ways, per connection: what a
 * network observer (or the other side) of a gRPC connection sees.
 */
final class CapturingProxy implements AutoCloseable {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final ServerSocket server;
    private final int targetPort;
    private final List<ByteArrayOutputStream> streams = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    CapturingProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, LOOPBACK);
        Thread t = new Thread(this::acceptLoop, "capture-accept");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Every captured stream (one per connection and direction), as bytes. */
    List<byte[]> captured() {
        List<byte[]> out = new ArrayList<>();
        for (ByteArrayOutputStream s : streams) {
            synchronized (s) {
                out.add(s.toByteArray());
            }
        }
        return out;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket target = new Socket(LOOPBACK, targetPort);
                sockets.add(client);
                sockets.add(target);
                ByteArrayOutputStream up = new ByteArrayOutputStream();
                ByteArrayOutputStream down = new ByteArrayOutputStream();
                streams.add(up);
                streams.add(down);
                pump(client, target, up);
                pump(target, client, down);
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void pump(Socket from, Socket to, ByteArrayOutputStream copy) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[1 << 16];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (copy) {
                        copy.write(buf, 0, n);
                    }
                    out.write(buf, 0, n);
                }
                to.shutdownOutput();
            } catch (IOException e) {
                // one side closed; the other pump ends the same way
            }
        }, "capture-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
