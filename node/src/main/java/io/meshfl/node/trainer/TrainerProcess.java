package io.meshfl.node.trainer;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The launch of one external trainer: a fresh owner-only folder under the node's state folder, a
 * Unix socket path inside it and a random token, handed to the command in
 * {@code MESHFL_TRAINER_SOCKET} and {@code MESHFL_TRAINER_TOKEN}; the command runs in the node's
 * working directory and writes its output to {@code trainer.log} in that folder, never to the
 * coordinator. Other accounts on the host cannot enter the folder, so they cannot reach the socket.
 */
final class TrainerProcess {

    static final String SOCKET_ENV = "MESHFL_TRAINER_SOCKET";
    static final String TOKEN_ENV = "MESHFL_TRAINER_TOKEN";
    /** sun_path holds 108 bytes with its terminating zero; some systems 104. */
    private static final int MAX_SOCKET_PATH = 100;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String label;
    private final Path folder;
    private final Path socket;
    private final String token;
    private final Process process;

    private TrainerProcess(String label, Path folder, Path socket, String token, Process process) {
        this.label = label;
        this.folder = folder;
        this.socket = socket;
        this.token = token;
        this.process = process;
    }

    /**
     * Starts {@code command} for trainer {@code name} of node {@code nodeId} with a fresh folder
     * under {@code state}.
     */
    static TrainerProcess start(String name, String nodeId, List<String> command, Path state) {
        String label = "the trainer " + name + " of node " + nodeId;
        byte[] suffix = new byte[4];
        RANDOM.nextBytes(suffix);
        Path folder = io.meshfl.core.trust.PrivateFiles.directory(
                state.toAbsolutePath().resolve("trainers").resolve(name + "-" + HexFormat.of().formatHex(suffix)), "trainer folder");
        Path socket = folder.resolve("trainer.sock");
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, label + " cannot be started: the socket path under the node's state folder "
                    + "is longer than a Unix socket allows (" + MAX_SOCKET_PATH + " bytes); give the node a shorter --state")
                    .withLocalDetail("socket path " + socket);
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(folder.resolve("trainer.log").toFile()));
        pb.environment().put(SOCKET_ENV, socket.toString());
        pb.environment().put(TOKEN_ENV, token);
        try {
            Files.deleteIfExists(socket);
            Process p = pb.start();
            return new TrainerProcess(label, folder, socket, token, p);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, label + " failed to start: its command '" + command.get(0)
                    + "' could not be run", e).withLocalDetail(label + ": " + command + ": " + e.getMessage());
        }
    }

    String label() {
        return label;
    }

    Path folder() {
        return folder;
    }

    Path socket() {
        return socket;
    }

    String token() {
        return token;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The exit code, or null while it runs. */
    Integer exitCode() {
        return process.isAlive() ? null : process.exitValue();
    }

    /** Waits briefly for a process seen failing, so its exit code can be told. */
    Integer exitCodeSoon() {
        try {
            if (process.waitFor(200, TimeUnit.MILLISECONDS)) return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    /** Stops the process: destroy, then destroyForcibly when it has not ended within five seconds. */
    void stop() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // the folder is owner-only; a stale socket there harms no one
        }
    }
}
