package io.meshfl.stream.blocks;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/** Writing block files (CSV, forced to disk, renamed into place) and clearing the ones a crash left unlisted. */
final class BlockFiles {

    private BlockFiles() {
    }

    static String name(long index) {
        return "block-" + index + ".csv";
    }

    /** Writes one block and returns its SHA-256. */
    static String write(Path folder, long index, List<String> columns, List<String[]> rows) {
        Path tmp = folder.resolve(name(index) + ".tmp");
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (OutputStream out = new DigestOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16), sha)) {
                line(out, columns.toArray(String[]::new));
                for (String[] r : rows) line(out, r);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, folder.resolve(name(index)), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("block " + index + " cannot be written: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces {@code file} with {@code bytes}: written beside it, forced to disk, renamed over it. */
    static void replace(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Deletes block files (and temporaries) that the manifest does not list: a crash came between them and the manifest. */
    static void clearUnlisted(Path folder, Set<String> listed) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder, "block-*")) {
            for (Path p : ds) if (!listed.contains(p.getFileName().toString())) Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException("the block folder cannot be cleared: " + e.getMessage(), e);
        }
    }

    private static void line(OutputStream out, String[] cells) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) sb.append(',');
            String c = cells[i];
            if (c.indexOf(',') >= 0 || c.indexOf('"') >= 0 || c.indexOf('\n') >= 0 || c.indexOf('\r') >= 0) {
                sb.append('"').append(c.replace("\"", "\"\"")).append('"');
            } else {
                sb.append(c);
            }
        }
        sb.append('\n');
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
