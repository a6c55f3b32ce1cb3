package io.meshfl.core.catalog;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the libraries behind the catalog (Flyway, HikariCP) to their warnings: their progress
 * lines ("Successfully applied 1 migration") would otherwise interleave with every command's
 * output. What goes wrong still surfaces, as a warning or as the exception the catalog throws.
 */
final class LibraryLogs {

    /** Held so the level set on them is not collected with the loggers. */
    private static final List<Logger> QUIET = List.of(Logger.getLogger("org.flywaydb"), Logger.getLogger("com.zaxxer.hikari"));

    private LibraryLogs() {
    }

    static void quiet() {
        for (Logger l : QUIET) l.setLevel(Level.WARNING);
    }
}
