package io.meshfl.coordinator.lineage;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.lineage.LineageEvents;
import io.openlineage.client.OpenLineage.RunEvent;
import io.openlineage.client.transports.HttpConfig;
import io.openlineage.client.transports.HttpTransport;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Where the coordinator sends its OpenLineage events: a file that gets one JSON event per line,
 * appended, or an HTTP endpoint that takes {@code POST /api/v1/lineage} (Marquez, DataHub,
 * OpenMetadata). {@link #send} throws when an event does not get there; the caller decides what
 * that means for the run (see {@link Lineage}).
 */
public sealed interface LineageSink extends AutoCloseable permits LineageSink.File, LineageSink.Http {

    /** Sends one event; throws when it was not written or not accepted. */
    void send(RunEvent event) throws IOException;

    /** Where events go, for the coordinator's own log (it may name a local path). */
    String describe();

    /** A reason for an event that did not get there that names no path or address, for reports others read. */
    String publicReason(Exception e);

    @Override
    default void close() {
    }

    /**
     * The sink a {@code --lineage} setting names: {@code file:PATH} (its folder must exist and the
     * file, if there, be a writable file) or {@code http://HOST:PORT} / {@code https://HOST:PORT}
     * (events POSTed to {@code /api/v1/lineage} unless the URL gives its own path). Anything else
     * is an error naming {@code option}.
     */
    static LineageSink parse(String option, String setting) {
        if (setting == null || setting.isBlank()) throw unusable(option, "", "it is empty");
        String s = setting.strip();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.startsWith("file:")) return File.at(option, s);
        if (lower.startsWith("http://") || lower.startsWith("https://")) return Http.at(option, s);
        throw unusable(option, s, "give file:PATH (one JSON event per line, appended) or http(s)://HOST:PORT (an OpenLineage endpoint)");
    }

    private static MeshflException unusable(String option, String setting, String why) {
        return new MeshflException(ErrorCode.COORDINATOR_FAILURE, option + " '" + setting + "' is not a lineage target: " + why);
    }

    /**
     * Appends each event as one line of JSON. Hand-written rather than the library's FileTransport,
     * which logs a failed write and returns as if it had succeeded.
     */
    final class File implements LineageSink {
        private final Path path;

        private File(Path path) {
            this.path = path;
        }

        static File at(String option, String setting) {
            Path p;
            try {
                p = setting.regionMatches(true, 0, "file://", 0, 7) ? Path.of(new URI(setting)) : Path.of(setting.substring(5));
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw unusable(option, setting, "not a file path (" + e.getMessage() + ")");
            }
            if (p.toString().isBlank()) throw unusable(option, setting, "no file after file:");
            p = p.toAbsolutePath().normalize();
            Path folder = p.getParent();
            if (Files.isDirectory(p)) throw unusable(option, setting, p + " is a folder; name the file events are appended to");
            if (Files.exists(p) && !Files.isWritable(p)) throw unusable(option, setting, p + " is not writable");
            if (folder == null || !Files.isDirectory(folder)) throw unusable(option, setting, "the folder " + folder + " does not exist");
            if (!Files.exists(p) && !Files.isWritable(folder)) throw unusable(option, setting, "the folder " + folder + " is not writable");
            return new File(p);
        }

        public Path path() {
            return path;
        }

        @Override
        public synchronized void send(RunEvent event) throws IOException {
            // one write per event: readers never see half a line from this process
            Files.write(path, (LineageEvents.toJson(event) + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        }

        @Override
        public String describe() {
            return "file " + path;
        }

        @Override
        public String publicReason(Exception e) {
            return "the lineage file could not be written (" + e.getClass().getSimpleName() + ")";
        }
    }

    /** POSTs each event to an OpenLineage endpoint through the library's HTTP transport (which throws on a refused event). */
    final class Http implements LineageSink {
        /** How long one event may take; a run waits for its events, so a stalled endpoint must not stall it for long. */
        static final int TIMEOUT_MILLIS = 5000;

        private final URI url;
        private final HttpTransport transport;

        private Http(URI url) {
            this.url = url;
            HttpConfig config = new HttpConfig();
            config.setUrl(url);
            config.setTimeoutInMillis(TIMEOUT_MILLIS);
            this.transport = new HttpTransport(config);
        }

        static Http at(String option, String setting) {
            URI u;
            try {
                u = new URI(setting);
            } catch (URISyntaxException e) {
                throw unusable(option, setting, "not a URL (" + e.getMessage() + ")");
            }
            if (u.getHost() == null || u.getHost().isBlank()) throw unusable(option, setting, "no host in the URL");
            if (u.getUserInfo() != null) {
                throw unusable(option, setting.replace(u.getRawUserInfo(), "***"), "credentials in the URL would be written to logs");
            }
            if (u.getFragment() != null) throw unusable(option, setting, "a URL with a #fragment");
            try {
                return new Http(u);
            } catch (RuntimeException e) {
                throw unusable(option, setting, e.getMessage());
            }
        }

        @Override
        public void send(RunEvent event) throws IOException {
            try {
                transport.emit(event);
            } catch (RuntimeException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public String describe() {
            String path = url.getPath() == null || url.getPath().isBlank() ? "/api/v1/lineage" : url.getPath();
            return "endpoint " + url.getScheme() + "://" + url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "") + path;
        }

        @Override
        public String publicReason(Exception e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            if (c instanceof io.openlineage.client.transports.HttpTransportResponseException r) {
                return "the lineage endpoint answered HTTP " + r.getStatusCode();
            }
            Throwable root = c;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();
            return "the lineage endpoint could not be reached (" + root.getClass().getSimpleName() + ")";
        }

        @Override
        public void close() {
            try {
                transport.close();
            } catch (Exception e) {
                // closing the connection pool of a stopping coordinator: nothing left to lose
            }
        }
    }
}
