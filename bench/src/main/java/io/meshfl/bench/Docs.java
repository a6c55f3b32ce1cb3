package io.meshfl.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Rewrites one generated block of {@code docs/benchmarks.md}: the text between
 * {@code <!-- bench:NAME -->} and {@code <!-- /bench:NAME -->}. The prose around the blocks is
 * written by hand and left alone, so re-running one benchmark touches only its numbers.
 */
final class Docs {

    private Docs() {
    }

    static Path docPath(String[] args) {
        return Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md");
    }

    static void replaceBlock(Path doc, String name, String markdown) throws IOException {
        String open = "<!-- bench:" + name + " -->";
        String close = "<!-- /bench:" + name + " -->";
        String text = Files.exists(doc) ? Files.readString(doc) : "# Benchmarks\n";
        String block = open + "\n" + markdown.strip() + "\n" + close;
        int a = text.indexOf(open);
        int b = text.indexOf(close);
        if (a >= 0 && b > a) {
            text = text.substring(0, a) + block + text.substring(b + close.length());
        } else {
            text = text.stripTrailing() + "\n\n" + block + "\n";
        }
        Files.createDirectories(doc.toAbsolutePath().getParent());
        Files.writeString(doc, text);
        System.out.println("wrote block '" + name + "' of " + doc);
    }

    /** When and with which JVM a block was measured, for the line under each table. */
    static String stamp() {
        return "Measured " + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"))
                + " on " + Runtime.getRuntime().availableProcessors() + " CPU(s), Java " + System.getProperty("java.version")
                + " (" + System.getProperty("java.vm.name") + ").";
    }
}
