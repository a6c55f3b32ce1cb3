package io.meshfl.core.contract;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where a product's rows live: CSV or Parquet files ({@code paths}, absolute; one file, several
 * files, or glob patterns such as {@code regions/part-*.csv}, read as one product), a table behind
 * a JDBC URL ({@code url}, {@code table}, optional {@code user} and {@code password}), or a Kafka
 * topic of events ({@code stream}): a streaming product, joined and trained on as it arrives rather
 * than read as a table.
 */
public record Server(Type type, List<Path> paths, String url, String table, String user, String password, Stream stream) {

    /** The storage kinds MeshFL reads. */
    public enum Type { CSV, PARQUET, JDBC, KAFKA }

    /**
     * The value formats of a streaming product's events: a JSON object, or an Avro record in Avro's
     * single-object encoding under the schema the contract's columns define.
     */
    public enum Format { JSON, AVRO }

    /**
     * A Kafka topic of events: where the brokers are, the topic, how a value is written, which field
     * holds the event's id (the join key) and which its event time (epoch milliseconds or an ISO-8601
     * instant), and the watermark delay: how far behind the newest event time seen on its partition an
     * event may still arrive; an event later than that is dropped and counted as late. {@code parts},
     * when not null, is where the events arrive as files: a glob of CSV or Parquet parts (absolute)
     * that MeshFL moves into the topic, each complete part once, before joining it (docs/streams.md).
     */
    public record Stream(String bootstrap, String topic, Format format, String keyField, String eventTimeField,
                         java.time.Duration watermarkDelay, Path parts) {
        public Stream {
            Objects.requireNonNull(bootstrap, "bootstrap");
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(keyField, "keyField");
            Objects.requireNonNull(eventTimeField, "eventTimeField");
            Objects.requireNonNull(watermarkDelay, "watermarkDelay");
            if (watermarkDelay.isNegative()) throw new IllegalArgumentException("watermarkDelay must not be negative");
        }

        /** A topic whose events are written to it by others (no parts). */
        public Stream(String bootstrap, String topic, Format format, String keyField, String eventTimeField, java.time.Duration watermarkDelay) {
            this(bootstrap, topic, format, keyField, eventTimeField, watermarkDelay, null);
        }

        /** The same stream with its event id field named. */
        public Stream withKeyField(String key) {
            return new Stream(bootstrap, topic, format, key, eventTimeField, watermarkDelay, parts);
        }
    }

    public Server(Type type, List<Path> paths, String url, String table, String user, String password) {
        this(type, paths, url, table, user, password, null);
    }

    /** A server of a Kafka topic. */
    public static Server kafka(Stream stream) {
        return new Server(Type.KAFKA, null, null, null, null, null, stream);
    }

    public Server {
        Objects.requireNonNull(type, "type");
        if (type == Type.KAFKA) {
            Objects.requireNonNull(stream, "stream");
        } else if (stream != null) {
            throw new IllegalArgumentException("only a kafka server has a stream");
        }
        if (type == Type.KAFKA) {
            // checked above
        } else if (type == Type.JDBC) {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(table, "table");
        } else {
            Objects.requireNonNull(paths, "paths");
            if (paths.isEmpty()) throw new IllegalArgumentException("a file server needs at least one path");
            paths = List.copyOf(paths);
        }
    }

    /** A server of one file. */
    public static Server file(Type type, Path path) {
        return new Server(type, List.of(path), null, null, null, null);
    }

    /** True for CSV and Parquet servers, whose rows are files on the node's disk. */
    public boolean isFiles() {
        return type == Type.CSV || type == Type.PARQUET;
    }

    /** The first of the paths (the only one of a single-file server); null for a JDBC server. */
    public Path path() {
        return paths == null ? null : paths.get(0);
    }

    /** The files the paths name now, globs expanded in name order, and the entries that name no file. */
    public record Files(List<Path> files, List<Path> unmatched) {
    }

    /** Expands the paths: a plain path stands for itself when it is a file; a glob for the files its folder holds that match it. */
    public Files files() {
        List<Path> found = new ArrayList<>();
        List<Path> unmatched = new ArrayList<>();
        if (!isFiles()) return new Files(found, unmatched);
        for (Path p : paths) {
            List<Path> mine = new ArrayList<>();
            String name = p.getFileName() == null ? "" : p.getFileName().toString();
            if (name.chars().anyMatch(ch -> "*?[{".indexOf(ch) >= 0) && p.getParent() != null) {
                PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + name);
                try (DirectoryStream<Path> ds = java.nio.file.Files.newDirectoryStream(p.getParent())) {
                    for (Path f : ds) if (java.nio.file.Files.isRegularFile(f) && m.matches(f.getFileName())) mine.add(f);
                } catch (IOException | java.nio.file.DirectoryIteratorException e) {
                    // a folder that cannot be listed matches nothing; the entry is reported as unmatched
                }
                mine.sort(null);
            } else if (java.nio.file.Files.isRegularFile(p)) {
                mine.add(p);
            }
            if (mine.isEmpty()) unmatched.add(p);
            for (Path f : mine) if (!found.contains(f)) found.add(f);
        }
        return new Files(found, unmatched);
    }

    /** A short description for messages; never shows the password. */
    public String describe() {
        if (type == Type.KAFKA) return "topic " + stream.topic() + " at " + stream.bootstrap() + (stream.parts() == null ? "" : ", fed by parts " + stream.parts());
        if (type != Type.JDBC) return paths.size() == 1 ? paths.get(0).toString() : paths.size() + " paths: " + paths;
        int cut = url.length();
        // URL parameters may carry credentials.
        for (char c : new char[]{';', '?'}) {
            int i = url.indexOf(c);
            if (i >= 0 && i < cut) cut = i;
        }
        return "table " + table + " at " + url.substring(0, cut);
    }

    @Override
    public String toString() {
        return "Server[" + type + " " + describe() + "]";
    }
}
