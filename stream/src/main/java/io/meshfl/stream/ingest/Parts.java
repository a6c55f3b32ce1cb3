package io.meshfl.stream.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The parts that have arrived in a stream's folder: the regular files whose names match the
 * contract's glob, in name order. A writer puts a part in place by renaming it when it is
 * complete; names starting with '.' or '_' (a writer's temporary files, Spark's {@code _SUCCESS}
 * and {@code _temporary}) are not parts yet. A part is CSV (with a header) or Parquet, told by
 * its extension; any other name that matches is refused rather than skipped.
 */
public final class Parts {

    /** How a part's rows are written. */
    public enum Kind { CSV, PARQUET }

    /** One arrived part: its file, its name (its identity in the progress topic) and its kind. */
    public record Part(Path file, String name, Kind kind) {
    }

    private Parts() {
    }

    /**
     * The parts the glob names now, in name order. The folder and the parts must not be writable by
     * other accounts of the host: whoever can put a file there or change one adds events to the stream.
     */
    public static List<Part> arrived(Path glob) {
        Path folder = glob.getParent() == null ? Path.of(".") : glob.getParent();
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob.getFileName());
        List<Part> parts = new ArrayList<>();
        if (!Files.isDirectory(folder)) return parts;
        requireOwnWrites(folder, "the parts' folder " + folder);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder)) {
            for (Path f : ds) {
                String name = f.getFileName().toString();
                if (name.startsWith(".") || name.startsWith("_") || !m.matches(f.getFileName()) || !Files.isRegularFile(f)) continue;
                requireOwnWrites(f, "part " + name);
                parts.add(new Part(f, name, kindOf(name)));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("the parts' folder " + folder + " cannot be listed", e);
        }
        parts.sort(java.util.Comparator.comparing(Part::name));
        return parts;
    }

    private static void requireOwnWrites(Path p, String what) {
        try {
            if (!Files.getFileStore(p).supportsFileAttributeView("posix")) return;
            java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE) || perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
                throw new IllegalStateException(what + " may be written by other accounts of the host, who could add events to the stream or change them "
                        + "(chmod go-w " + p + ")");
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(what + " cannot be checked", e);
        }
    }

    static Kind kindOf(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".csv")) return Kind.CSV;
        if (n.endsWith(".parquet")) return Kind.PARQUET;
        throw new IllegalArgumentException("part " + name + " is neither .csv nor .parquet; name the parts' glob so that it matches only parts "
                + "(servers[0].parts)");
    }

    /** The SHA-256 of a part's bytes, hex: a part that changes after its rows went into the topic is noticed by it. */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) d.update(buf, 0, n);
            return HexFormat.of().formatHex(d.digest());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("part " + file.getFileName() + " cannot be read", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
