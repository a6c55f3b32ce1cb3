package io.meshfl.core.contract;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document read into maps, lists and scalars that remember their 1-based line and
 * column, so that an error in a contract or a mesh file can point at the place that caused it.
 * Jackson's tree model forgets positions, and it silently keeps the last of duplicate keys, which
 * this reader refuses.
 */
public final class YamlTree {

    private static final YAMLFactory FACTORY = new YAMLFactory();

    private YamlTree() {
    }

    /** A node with its 1-based position in the source text. */
    public sealed interface Node permits MapNode, ListNode, Scalar {
        int line();

        int column();

        String kind();
    }

    /** A mapping, in source order, with the position of each key. */
    public record MapNode(int line, int column, Map<String, Node> entries, Map<String, int[]> keyPositions) implements Node {
        public Node get(String key) {
            return entries.get(key);
        }

        @Override
        public String kind() {
            return "a mapping";
        }
    }

    /** A sequence. */
    public record ListNode(int line, int column, List<Node> items) implements Node {
        @Override
        public String kind() {
            return "a list";
        }
    }

    /** A value; {@code text} is null for an empty one. */
    public record Scalar(int line, int column, JsonToken token, String text) implements Node {
        public boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }

        public boolean isBoolean() {
            return token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE;
        }

        public boolean isNumber() {
            return token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT;
        }

        @Override
        public String kind() {
            if (isNull()) return "an empty value";
            if (isBoolean()) return "a boolean";
            if (isNumber()) return "a number";
            return "a string";
        }
    }

    /** A syntax error at the position the YAML parser reported (-1 when it reported none). */
    public static final class SyntaxError extends Exception {
        private final int line;
        private final int column;

        SyntaxError(String message, int line, int column) {
            super(message);
            this.line = line;
            this.column = column;
        }

        public int line() {
            return line;
        }

        public int column() {
            return column;
        }
    }

    /**
     * The {@code *.yaml} and {@code *.yml} files of a folder (not its subfolders) whose text declares
     * {@code kind: KIND}, sorted by name, so that contracts, mesh files and job files can share a
     * folder. A file that cannot be read is kept, for its loader to report with the file named.
     */
    public static List<java.nio.file.Path> filesOfKind(java.nio.file.Path dir, String kind, String what) {
        java.nio.file.Path abs = dir.toAbsolutePath().normalize();
        if (!java.nio.file.Files.isDirectory(abs)) {
            throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.CONTRACT_FILE_MISSING, what + " folder not found: " + abs);
        }
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("(?m)^kind:\\s*[\"']?" + kind + "\\b");
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(abs)) {
            return s.filter(java.nio.file.Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
                if (!n.endsWith(".yaml") && !n.endsWith(".yml")) return false;
                try {
                    return line.matcher(java.nio.file.Files.readString(p)).find();
                } catch (IOException e) {
                    return true;
                }
            }).sorted().toList();
        } catch (IOException e) {
            throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.CONTRACT_FILE_MISSING, "cannot list " + what + " folder " + abs
                    + ": " + e.getMessage(), e);
        }
    }

    /** Parses one YAML document of {@code what} (e.g. "a contract file"); returns null for an empty one. */
    public static Node parse(String text, String what) throws SyntaxError {
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) return null;
            Node root = read(p, t);
            if (p.nextToken() != null) {
                JsonLocation at = p.currentTokenLocation();
                throw new SyntaxError(what + " holds one YAML document, found a second one", at.getLineNr(), at.getColumnNr());
            }
            return root;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new SyntaxError(condense(e.getOriginalMessage()), at == null ? -1 : at.getLineNr(), at == null ? -1 : at.getColumnNr());
        } catch (IOException e) {
            throw new SyntaxError(String.valueOf(e.getMessage()), -1, -1);
        }
    }

    private static Node read(JsonParser p, JsonToken t) throws IOException, SyntaxError {
        JsonLocation at = p.currentTokenLocation();
        int line = at.getLineNr();
        int col = at.getColumnNr();
        switch (t) {
            case START_OBJECT: {
                MapNode m = new MapNode(line, col, new LinkedHashMap<>(), new LinkedHashMap<>());
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonLocation keyAt = p.currentTokenLocation();
                    if (m.entries().containsKey(key)) {
                        // Jackson would silently keep the last duplicate; a mapping must not say two things.
                        throw new SyntaxError("duplicate key '" + key + "' (first at line " + m.keyPositions().get(key)[0] + ")",
                                keyAt.getLineNr(), keyAt.getColumnNr());
                    }
                    Node value = read(p, p.nextToken());
                    m.entries().put(key, value);
                    m.keyPositions().put(key, new int[]{keyAt.getLineNr(), keyAt.getColumnNr()});
                }
                return m;
            }
            case START_ARRAY: {
                ListNode l = new ListNode(line, col, new ArrayList<>());
                JsonToken k;
                while ((k = p.nextToken()) != JsonToken.END_ARRAY) l.items().add(read(p, k));
                return l;
            }
            default:
                return new Scalar(line, col, t, t == JsonToken.VALUE_NULL ? null : p.getText());
        }
    }

    // SnakeYAML messages repeat the offending source lines with carets; keep only the sentences.
    private static String condense(String message) {
        if (message == null) return "malformed YAML";
        StringBuilder sb = new StringBuilder();
        for (String line : message.split("\\R")) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("in 'reader'") || s.equals("^") || line.startsWith(" ")) continue;
            if (sb.length() > 0) sb.append("; ");
            sb.append(s);
        }
        return sb.length() == 0 ? message.strip() : sb.toString();
    }
}
