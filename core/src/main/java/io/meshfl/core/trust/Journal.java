package io.meshfl.core.trust;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An append-only, hash-chained journal file: one JSON entry per line, written as
 * {@code <sha256> <json>} where the hash covers the previous line's hash and the JSON text exactly
 * as written (so no canonical form is needed), and each entry carries {@code seq}, {@code prev} and
 * {@code at}. A node keeps its own audit, privacy ledger and run registry this way: whoever edits,
 * deletes or inserts a line breaks the chain from there on ({@link #verify}). Durable appends are
 * forced to the disk before they return.
 */
public final class Journal implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One entry as read back, with its line number. */
    public record Entry(int line, long seq, String hash, ObjectNode body) {
    }

    /** A journal's entries and the problems found in its chain (empty when it verifies). */
    public record Verification(List<Entry> entries, List<String> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final List<ObjectNode> memory;
    private long seq;
    private String last;
    private final List<String> problems;

    private Journal(Path file, FileChannel channel, long seq, String last, List<String> problems) {
        this.file = file;
        this.channel = channel;
        this.memory = file == null ? new ArrayList<>() : null;
        this.seq = seq;
        this.last = last;
        this.problems = List.copyOf(problems);
    }

    /** A journal kept in memory only (nodes without a state folder, tests). */
    public static Journal inMemory() {
        return new Journal(null, null, 0, HashChain.GENESIS, List.of());
    }

    /**
     * Opens (creating owner-only) a journal file and continues its chain; the problems its chain
     * has are kept in {@link #problems()} for the owner to act on (a ledger refuses to charge).
     */
    public static Journal open(Path file) {
        try {
            Verification v = verify(file);
            long seq = v.entries().isEmpty() ? 0 : v.entries().get(v.entries().size() - 1).seq();
            String last = v.entries().isEmpty() ? HashChain.GENESIS : v.entries().get(v.entries().size() - 1).hash();
            if (!Files.exists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            PrivateFiles.restrict(file);
            FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            return new Journal(file, ch, seq, last, v.problems());
        } catch (UnsupportedOperationException e) {
            try {
                return new Journal(file, FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
                        0, HashChain.GENESIS, List.of());
            } catch (IOException io) {
                throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot open journal " + file + ": " + io.getMessage(), io);
            }
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot open journal " + file + ": " + e.getMessage(), e);
        }
    }

    /** The file behind this journal; null in memory. */
    public Path file() {
        return file;
    }

    /** What was wrong with the chain when the journal was opened. */
    public List<String> problems() {
        return problems;
    }

    /**
     * Appends an entry (its {@code seq}, {@code prev} and {@code at} are set here) and returns its
     * sequence number; with {@code durable} the line is on the disk when this returns.
     */
    public synchronized long append(ObjectNode entry, boolean durable) {
        ObjectNode body = JSON.createObjectNode();
        body.put("seq", seq + 1);
        body.put("prev", last);
        body.put("at", Instant.now().toString());
        body.setAll(entry);
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.INTERNAL, "cannot encode a journal entry: " + e.getMessage(), e);
        }
        String hash = HashChain.linkBytes(last, json);
        if (channel != null) {
            byte[] head = (hash + " ").getBytes(StandardCharsets.US_ASCII);
            ByteBuffer buf = ByteBuffer.allocate(head.length + json.length + 1);
            buf.put(head).put(json).put((byte) '\n').flip();
            try {
                while (buf.hasRemaining()) channel.write(buf);
                if (durable) channel.force(false);
            } catch (IOException e) {
                throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot append to journal " + file + ": " + e.getMessage(), e);
            }
        } else {
            memory.add(body.deepCopy());
        }
        seq++;
        last = hash;
        return seq;
    }

    /** Every entry written so far (read back from the file, or kept in memory). */
    public synchronized List<ObjectNode> entries() {
        if (memory != null) return memory.stream().map(ObjectNode::deepCopy).toList();
        return verify(file).entries().stream().map(Entry::body).toList();
    }

    /** Reads a journal file and checks its chain line by line; a missing file is an empty journal. */
    public static Verification verify(Path file) {
        List<Entry> entries = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        if (!Files.exists(file)) return new Verification(entries, problems);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "cannot read journal " + file + ": " + e.getMessage(), e);
        }
        String prev = HashChain.GENESIS;
        long expect = 1;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int lineNo = i + 1;
            if (line.isEmpty() && i == lines.size() - 1) break;
            int sp = line.indexOf(' ');
            if (sp != 64) {
                problems.add(file.getFileName() + " line " + lineNo + ": not a journal line (hash missing): inserted or cut");
                continue;
            }
            String hash = line.substring(0, 64);
            String json = line.substring(65);
            ObjectNode body;
            try {
                JsonNode n = JSON.readTree(json);
                if (!(n instanceof ObjectNode o)) throw new IOException("not an object");
                body = o;
            } catch (IOException e) {
                problems.add(file.getFileName() + " line " + lineNo + ": unreadable entry: altered or cut");
                continue;
            }
            long seq = body.path("seq").asLong(-1);
            String bodyPrev = body.path("prev").asText("");
            if (!HashChain.linkBytes(bodyPrev, json.getBytes(StandardCharsets.UTF_8)).equals(hash)) {
                problems.add(file.getFileName() + " line " + lineNo + " (#" + seq + "): altered: its content no longer matches its hash");
            }
            if (seq > expect) {
                problems.add(file.getFileName() + " line " + lineNo + ": " + (seq - expect == 1 ? "entry #" + expect + " is missing"
                        : "entries #" + expect + "..#" + (seq - 1) + " are missing") + " (deleted)");
            } else if (!bodyPrev.equals(prev)) {
                problems.add(file.getFileName() + " line " + lineNo + " (#" + seq + "): does not link to the entry before it: that entry was altered or replaced");
            }
            entries.add(new Entry(lineNo, seq, hash, body));
            prev = hash;
            expect = seq + 1;
        }
        return new Verification(entries, problems);
    }

    @Override
    public synchronized void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing on shutdown: what was written is on the disk or in the page cache already
            }
        }
    }
}
