package io.meshfl.core.contract;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a product's rows live: a CSV or Parquet file ({@code path}, absolute) or a table behind
 * a JDBC URL ({@code url}, {@code table}, optional {@code user} and {@code password}).
 */
public record Server(Type type, Path path, String url, String table, String user, String password) {

    /** The storage kinds MeshFL reads. */
    public enum Type { CSV, PARQUET, JDBC }

    public Server {
        Objects.requireNonNull(type, "type");
        if (type == Type.JDBC) {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(table, "table");
        } else {
            Objects.requireNonNull(path, "path");
        }
    }

    /** A short description for messages; never shows the password. */
    public String describe() {
        if (type != Type.JDBC) return path.toString();
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
