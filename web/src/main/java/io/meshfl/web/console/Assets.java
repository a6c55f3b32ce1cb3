package io.meshfl.web.console;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;

/**
 * The console's static files, served to anyone (they hold no data): its own scripts and style
 * from this package's resources and the browser libraries from their WebJars. Only the files named
 * here and the plain-named scripts and styles of the console's resource folder are served; nothing
 * else on the class path can be asked for by name.
 */
public final class Assets {

    /** Where the assets are served from. */
    public static final String URL = "/console/static/";

    /** An asset: its bytes and media type. */
    public record Asset(byte[] bytes, String type) {
    }

    /** The browser libraries, from their WebJars. */
    private static final Map<String, String> LIBRARIES = Map.of(
            "uPlot.min.css", "META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.min.css",
            "uPlot.iife.min.js", "META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.iife.min.js");

    /** The console's own files: a plain name (no folder, no dots but the extension's) in this package's resources. */
    private static final java.util.regex.Pattern OWN = java.util.regex.Pattern.compile("[a-z][a-z0-9-]*\\.(js|css)");

    private static final Map<String, Asset> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

    private Assets() {
    }

    /** The asset a request path names, if it is one of the console's. */
    public static Optional<Asset> find(String path) {
        if (!path.startsWith(URL)) return Optional.empty();
        String name = path.substring(URL.length());
        String resource = LIBRARIES.containsKey(name) ? LIBRARIES.get(name)
                : OWN.matcher(name).matches() ? "io/meshfl/web/console/" + name : null;
        if (resource == null || Assets.class.getClassLoader().getResource(resource) == null) return Optional.empty();
        return Optional.of(LOADED.computeIfAbsent(name, n -> load(resource, n)));
    }

    private static Asset load(String resource, String name) {
        try (InputStream in = Assets.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("the console asset " + name + " is missing from the build (" + resource + ")");
            return new Asset(in.readAllBytes(), type(name));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the console asset " + name, e);
        }
    }

    private static String type(String name) {
        if (name.endsWith(".css")) return "text/css; charset=utf-8";
        if (name.endsWith(".js")) return "text/javascript; charset=utf-8";
        return "application/octet-stream";
    }
}
