package io.meshfl.core.protocol;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A party's own checkpoints of a run, in its run folder: one file per committed round
 * ({@code <name>-<round>.part}), written whole and forced to the disk before the party answers,
 * so a checkpoint marker the coordinator commits after every party answered names parts that
 * survive a crash of the party. The last two rounds are kept: a coordinator that stops after some
 * parties persisted a round it never committed resumes from the round before, which all still
 * hold. Errors name the round and the party's domain, never the path (that stays in the local detail).
 */
public final class RunParts {

    private RunParts() {
    }

    /** Writes {@code bytes} as the part of {@code round}, forced, drops parts older than the round before; returns its SHA-256 (hex). */
    public static String persist(Path folder, String name, int round, byte[] bytes, String domain) {
        Path file = folder.resolve(name + "-" + round + ".part");
        Path tmp = folder.resolve(name + "-" + round + ".part.tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) ch.write(b);
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            // the rename itself must survive a crash: force the folder's entry
            try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException e) {
                // some file systems cannot open a folder for forcing; the file's own data is forced above
            }
            try (var old = Files.list(folder)) {
                for (Path p : old.toList()) {
                    int r = roundOf(p.getFileName().toString(), name);
                    if (r >= 0 && r < round - 1) Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "the node of " + domain + " cannot persist its part of round " + round, e)
                    .withLocalDetail("cannot write " + file + ": " + e.getMessage());
        }
        return sha256(bytes);
    }

    /** The part of {@code round}, checked against the SHA-256 the run's marker names; throws naming what is missing or differs. */
    public static byte[] read(Path folder, String name, int round, String sha256, String domain) {
        Path file = folder == null ? null : folder.resolve(name + "-" + round + ".part");
        if (file == null || !Files.exists(file)) {
            // not a lost party: going on again from the same round would meet the same absence
            throw new MeshflException(ErrorCode.NODE_FAILURE, "the node of " + domain + " holds no part of round " + round
                    + " of this run: it cannot resume from there");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "the node of " + domain + " cannot read its part of round " + round, e)
                    .withLocalDetail("cannot read " + file + ": " + e.getMessage());
        }
        if (!sha256(bytes).equals(sha256)) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "the node of " + domain + " holds a part of round " + round
                    + " other than the one the run committed; it cannot resume from there");
        }
        return bytes;
    }

    /**
     * A party's answer to a checkpoint request (config {@code round}): persists the part {@code part}
     * makes and answers with its SHA-256 (blob {@code sha256}, metric {@code persisted} 1), or, on a
     * node without a state folder, answers {@code persisted} 0 and persists nothing.
     */
    public static Message answer(Message req, NodeContext ctx, String name, java.util.function.IntFunction<RunCheckpoint> part) {
        Path folder = ctx.runFolder(req.runId());
        if (folder == null) return req.reply(ctx.nodeId(), java.util.Map.of("persisted", 0.0), java.util.Map.of());
        int round = Integer.parseInt(req.cfg("round"));
        String sha = persist(folder, name, round, part.apply(round).encode(), ctx.domain());
        return req.reply(ctx.nodeId(), java.util.Map.of("persisted", 1.0), java.util.Map.of(),
                java.util.Map.of("sha256", sha.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }

    /**
     * The part a setup request resumes from (config {@code resume_round} and {@code resume_part}, set
     * by a coordinator going on from a committed round), read back and checked; null for a fresh setup.
     */
    public static RunCheckpoint resumed(Message req, NodeContext ctx, String name) {
        if (req.cfg("resume_round", null) == null) return null;
        return RunCheckpoint.decode(read(ctx.runFolder(req.runId()), name, Integer.parseInt(req.cfg("resume_round")), req.cfg("resume_part"),
                ctx.domain()));
    }

    /**
     * The rows a setup of {@code protocol} works on, in the run's order: those of the part it
     * resumes from, else those this job's entity alignment chose for {@code product} (refused when
     * the alignment has not run for it).
     */
    public static int[] alignedRows(RunCheckpoint resumed, java.util.Map<String, Object> job, String product, String protocol) {
        if (resumed != null) return rows(resumed.tensor("aligned"));
        int[] aligned = (int[]) job.get(io.meshfl.core.protocol.psi.PsiSteps.ALIGNED_ROWS);
        if (aligned == null || !product.equals(job.get(io.meshfl.core.protocol.psi.PsiSteps.ALIGNED_PRODUCT))) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, protocol + " setup for " + product + " arrived before entity alignment");
        }
        return aligned;
    }

    /** Row indices kept in a part (as exact doubles) back as ints. */
    public static int[] rows(double[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (int) v[i];
        return out;
    }

    /** Row indices as doubles, to keep in a part. */
    public static double[] values(int[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }

    private static int roundOf(String file, String name) {
        if (!file.startsWith(name + "-") || !file.endsWith(".part")) return -1;
        try {
            return Integer.parseInt(file.substring(name.length() + 1, file.length() - ".part".length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
