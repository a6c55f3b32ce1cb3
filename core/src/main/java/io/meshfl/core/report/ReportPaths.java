package io.meshfl.core.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run report as it may be kept and shown to others than its submitter: no file path of any
 * machine. A job file is named by its file name alone, and every absolute path in a text (an
 * error that names the submitter's job file, a node's message) is cut to its last part, so the
 * folders of the submitting machine, the coordinator and the nodes stay where they are.
 */
public final class ReportPaths {

    private ReportPaths() {
    }

    /** Fields that name a file: kept as the file's name only. */
    private static final List<String> FILE_FIELDS = List.of("job_file");

    private static final String SEG = "[^/\\\\\\s\"'<>|;,()\\[\\]{}*?:]";

    /** {@code file:} and {@code file://host} before an absolute path: the path alone is cut. */
    private static final Pattern FILE_URI = Pattern.compile("\\bfile:(?://[^/\\s\"']*)?(?=/)");
    /** {@code C:\folder\file} or {@code C:/folder/file}, and {@code \\server\share\file}. */
    private static final Pattern WINDOWS = Pattern.compile("(?<![\\w])(?:[A-Za-z]:[\\\\/]|\\\\\\\\)(?:" + SEG + "+[\\\\/])+(" + SEG + "*)");
    /** {@code /folder/file} and {@code ~/folder/file}; not {@code a/b}, {@code https://host/x} nor a lone {@code /}. */
    private static final Pattern POSIX = Pattern.compile("(?<![\\w.~/-])~?/(?!/)(?:" + SEG + "+/)+(" + SEG + "*)");

    /** A copy of {@code report} with no file path in it (see the class). */
    public static JsonNode strip(JsonNode report) {
        JsonNode copy = report.deepCopy();
        return walk(copy, null);
    }

    /** {@code text} with every absolute path in it cut to its last part (a path ending in a folder, to that folder's name). */
    public static String strip(String text) {
        if (text == null || text.indexOf('/') < 0 && text.indexOf('\\') < 0) return text;
        String s = FILE_URI.matcher(text).replaceAll("");
        s = lastPart(WINDOWS.matcher(s));
        return lastPart(POSIX.matcher(s));
    }

    /** The file name of a path, whichever machine's separators it has. */
    public static String fileName(String path) {
        if (path == null) return null;
        String p = path.replaceAll("[/\\\\]+$", "");
        int i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
        return i < 0 ? p : p.substring(i + 1);
    }

    private static String lastPart(Matcher m) {
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String last = m.group(1);
            if (last.isEmpty()) {
                // a path ending in a folder: that folder's name
                String parts = m.group().replaceAll("[/\\\\]+$", "");
                last = fileName(parts);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(last));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static JsonNode walk(JsonNode n, String field) {
        if (n instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) names.add(it.next());
            for (String name : names) o.set(name, walk(o.get(name), name));
            return o;
        }
        if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) a.set(i, walk(a.get(i), field));
            return a;
        }
        if (n != null && n.isTextual()) {
            String t = n.asText();
            return TextNode.valueOf(field != null && FILE_FIELDS.contains(field) ? fileName(t) : strip(t));
        }
        return n;
    }
}
