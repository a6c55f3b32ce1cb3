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
 * A TCP relay put between two parties (the callee advertises the relay's address): it forwards
 * both ways, keeps every byte it forwards per connection and direction (what a network observer
 * sees), and, while told to, holds every chunk back for a delay before passing it on: a slow link
 * on a kernel without netem. TLS passes through untouched.
 */
final class TcpRelay implements AutoCloseable {

    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<ByteArrayOutputStream> streams = new CopyOnWriteArrayList<>();
    private volatile long delayMillis;

    /** A relay on loopback to a loopback port. */
    TcpRelay(int targetPort) throws IOException {
        this("127.0.0.1", "127.0.0.1", targetPort);
    }

    TcpRelay(String listenHost, String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getByName(listenHost));
        Thread t = new Thread(this::acceptLoop, "relay-accept");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Every stream forwarded so far (one per connection and direction), as bytes. */
    List<byte[]> captured() {
        List<byte[]> out = new ArrayList<>();
        for (ByteArrayOutputStream s : streams) {
            synchronized (s) {
                out.add(s.toByteArray());
            }
        }
        return out;
    }

    /** HOST:PORT the relay listens at. */
    String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    /** Holds every chunk back this long from now on (0: a plain relay). */
    void delay(long millis) {
        this.delayMillis = millis;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket target = new Socket(targetHost, targetPort);
                sockets.add(client);
                sockets.add(target);
                ByteArrayOutputStream up = new ByteArrayOutputStream();
                ByteArrayOutputStream down = new ByteArrayOutputStream();
                streams.add(up);
                streams.add(down);
                pump(client, target, up);
                pump(target, client, down);
            } catch (IOException e) {
                if (server.isClosed()) return;
            }
        }
    }

    private void pump(Socket from, Socket to, ByteArrayOutputStream copy) {
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
                    long d = delayMillis;
                    if (d > 0) Thread.sleep(d);
                    out.write(buf, 0, n);
                }
                to.shutdownOutput();
            } catch (IOException | InterruptedException e) {
                // one side closed; the other pump ends the same way
            }
        }, "relay-pump");
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
