package io.meshfl.stream.blocks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The table of contents of one side's joined-data product: the blocks written so far (in block
 * order, each with its event-time span, row count, file, digest and the side's counts for that
 * span), and where to resume reading (offsets per partition of the input). It is replaced
 * atomically after each block, so a party killed at any moment restarts from a manifest that
 * describes exactly the files it lists. {@code offsets} is where reading resumes (the first record of
 * a block not yet written); {@code readTo} is how far reading had got, so that a record read again
 * after a restart for a block already written is known to be in it, while one first read after its
 * block was written is counted in {@code lateMatches}. {@code refused} counts the records on the
 * leader-ids topic whose seal did not open under the job's key (written by someone other than the
 * leader), none of which was joined.
 */
public record Manifest(String job, String side, List<String> columns, long spanMillis, List<Block> blocks,
                       Map<Integer, Long> offsets, Map<Integer, Long> readTo, long lateMatches, long refused) {

    public static final String FILE = "manifest.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Manifest {
        blocks = List.copyOf(blocks);
        offsets = new TreeMap<>(offsets);
        readTo = new TreeMap<>(readTo);
    }

    /**
     * One block: the examples whose leader event happened in [start, end) (epoch ms), in the agreed
     * order; this side's events taken in, dropped as late and as malformed in that span (-1 each
     * where they were not at hand when the block was written), and when it was written (epoch ms,
     * wall clock; 0 in manifests written before this was kept): how far behind its stream.
     */
    public record Block(long index, long start, long end, long rows, String file, String sha256,
                        long in, long late, long malformed, long writtenAt) {
    }

    /** The last block written, or -1 when none is. */
    public long lastIndex() {
        return blocks.isEmpty() ? Long.MIN_VALUE : blocks.get(blocks.size() - 1).index();
    }

    public long rows() {
        return blocks.stream().mapToLong(Block::rows).sum();
    }

    public Manifest with(Block b, Map<Integer, Long> resumeAt, Map<Integer, Long> readTo, long lateMatches) {
        List<Block> more = new ArrayList<>(blocks);
        more.add(b);
        return new Manifest(job, side, columns, spanMillis, more, resumeAt, readTo, lateMatches, refused);
    }

    public Manifest withRefused(long n) {
        return new Manifest(job, side, columns, spanMillis, blocks, offsets, readTo, lateMatches, n);
    }

    /** The manifest in {@code folder}, or null when there is none yet. */
    public static Manifest read(Path folder) {
        Path f = folder.resolve(FILE);
        if (!Files.exists(f)) return null;
        try {
            return JSON.readValue(f.toFile(), Manifest.class);
        } catch (IOException e) {
            throw new UncheckedIOException("the manifest " + FILE + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Writes the manifest beside a temporary copy, forces it to disk and renames it over the old one. */
    public void write(Path folder) {
        try {
            BlockFiles.replace(folder.resolve(FILE), JSON.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new UncheckedIOException("the manifest cannot be written: " + e.getMessage(), e);
        }
    }
}
