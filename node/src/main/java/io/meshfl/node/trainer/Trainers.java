package io.meshfl.node.trainer;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.external.ExternalTrainer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The external trainers a node may run ({@code --trainer NAME=COMMAND}) and those running: one
 * process per job and trainer, started when a job first needs it, stopped when the job ends or the
 * node stops.
 */
public final class Trainers implements AutoCloseable {

    private final String nodeId;
    private final String domain;
    private final Map<String, List<String>> commands;
    private final Supplier<Path> state;
    private final Consumer<String> log;
    private final Duration patience;
    private final Map<String, GrpcTrainer> running = new ConcurrentHashMap<>();

    /**
     * @param commands each trainer's command line by name, split on spaces
     * @param state    the node's state folder (a private temporary one is made when it has none)
     */
    public Trainers(String nodeId, String domain, Map<String, List<String>> commands, Supplier<Path> state, Consumer<String> log) {
        this(nodeId, domain, commands, state, log, GrpcTrainer.START_PATIENCE);
    }

    Trainers(String nodeId, String domain, Map<String, List<String>> commands, Supplier<Path> state, Consumer<String> log, Duration patience) {
        this.nodeId = nodeId;
        this.domain = domain;
        this.commands = Map.copyOf(commands);
        this.state = state;
        this.log = log;
        this.patience = patience;
    }

    /** The node's {@code --trainer NAME=COMMAND} options as commands by name; the command is split on spaces. */
    public static Map<String, List<String>> parse(List<String> options) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String o : options == null ? List.<String>of() : options) {
            int eq = o.indexOf('=');
            String name = eq < 0 ? "" : o.substring(0, eq).trim();
            List<String> command = eq < 0 ? List.of() : Arrays.stream(o.substring(eq + 1).trim().split(" +")).filter(s -> !s.isEmpty()).toList();
            if (name.isEmpty() || command.isEmpty()) {
                throw new IllegalArgumentException("--trainer '" + o + "' must be NAME=COMMAND, e.g. credit-mlp=python train.py");
            }
            if (out.put(name, command) != null) throw new IllegalArgumentException("--trainer " + name + " is given twice");
        }
        return out;
    }

    public boolean isEmpty() {
        return commands.isEmpty();
    }

    /** The trainer {@code name} for job {@code jobId}: the running one (its calls now bounded by {@code timeout}), else a new launch. */
    public ExternalTrainer trainer(String name, String jobId, Duration timeout) {
        List<String> command = commands.get(name);
        if (command == null) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "node of " + domain + " runs no trainer '" + name + "'"
                    + (commands.isEmpty() ? "" : " (it runs " + commands.keySet() + ")") + "; start it with --trainer " + name + "=COMMAND");
        }
        String key = jobId + "/" + name;
        synchronized (this) {
            GrpcTrainer t = running.get(key);
            if (t != null && !t.alive()) {
                running.remove(key);
                t.close();
                t = null;
            }
            if (t == null) {
                t = GrpcTrainer.launch(name, nodeId, command, folder(), timeout, log, patience);
                running.put(key, t);
            }
            t.timeout(timeout);
            return t;
        }
    }

    /** Stops the trainers of an ended job, after asking them to forget its rows. */
    public void endJob(String jobId) {
        for (String key : List.copyOf(running.keySet())) {
            if (!key.startsWith(jobId + "/")) continue;
            GrpcTrainer t = running.remove(key);
            if (t != null) {
                t.release(jobId);
                t.close();
            }
        }
    }

    /** Stops every running trainer. */
    @Override
    public void close() {
        for (String key : List.copyOf(running.keySet())) {
            GrpcTrainer t = running.remove(key);
            if (t != null) t.close();
        }
    }

    private volatile Path scratch;

    private Path folder() {
        Path s = state.get();
        if (s != null) return s;
        if (scratch == null) {
            try {
                scratch = java.nio.file.Files.createTempDirectory("meshfl-trainers-",
                        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            } catch (java.io.IOException e) {
                throw new MeshflException(ErrorCode.NODE_FAILURE, "node of " + domain + " cannot make a folder for its trainers", e);
            }
        }
        return scratch;
    }
}
