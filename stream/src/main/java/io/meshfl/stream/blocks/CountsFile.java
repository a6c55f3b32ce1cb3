package io.meshfl.stream.blocks;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.stream.join.WindowCounts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A side's counts per block (events taken, late, malformed) as a file in its state folder: the
 * leader keeps it current while it runs, and writes its half of the blocks with it later, when
 * its stream application is no longer there to ask.
 */
public final class CountsFile {

    public static final String FILE = "counts.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private CountsFile() {
    }

    /** Replaces the file atomically. */
    public static void write(Path folder, SortedMap<Long, WindowCounts> counts) {
        Map<String, long[]> out = new TreeMap<>();
        counts.forEach((b, c) -> out.put(Long.toString(b), new long[]{c.in(), c.late(), c.malformed()}));
        try {
            BlockFiles.replace(folder.resolve(FILE), JSON.writeValueAsBytes(out));
        } catch (IOException e) {
            throw new UncheckedIOException("the counts file cannot be written: " + e.getMessage(), e);
        }
    }

    /** The counts in {@code file}. */
    public static SortedMap<Long, WindowCounts> read(Path file) {
        try {
            Map<String, long[]> in = JSON.readValue(file.toFile(), new TypeReference<Map<String, long[]>>() { });
            SortedMap<Long, WindowCounts> out = new TreeMap<>();
            in.forEach((b, c) -> out.put(Long.parseLong(b), new WindowCounts(c[0], c[1], c[2])));
            return out;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("the counts file " + file.getFileName() + " cannot be read: " + e.getMessage(), e);
        }
    }
}
