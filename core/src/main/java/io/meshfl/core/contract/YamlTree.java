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
 * A YAML document read into maps, lists and scalars that remember their line and column, so
 * that a contract error can point at the place in the file that caused it.
 */
final class YamlTree {

    private static final YAMLFactory FACTORY = new YAMLFactory();

    private YamlTree() {
    }

    /** A node of the tree with its 1-based position in the source text. */
    abstract static sealed class Node permits MapNode, ListNode, Scalar {
        final int line;
        final int column;

        Node(JsonLocation at) {
            this.line = at.getLineNr();
            this.column = at.getColumnNr();
        }

        abstract String kind();
    }

    static final class MapNode extends Node {
        final Map<String, Node> entries = new LinkedHashMap<>();
        final Map<String, int[]> keyPositions = new LinkedHashMap<>();

        MapNode(JsonLocation at) {
            super(at);
        }

        Node get(String key) {
            return entries.get(key);
        }

        @Override
        String kind() {
            return "a mapping";
        }
    }

    static final class ListNode extends Node {
        final List<Node> items = new ArrayList<>();

        ListNode(JsonLocation at) {
            super(at);
        }

        @Override
        String kind() {
            return "a list";
        }
    }

    static final class Scalar extends Node {
        final JsonToken token;
        final String text;

        Scalar(JsonLocation at, JsonToken token, String text) {
            super(at);
            this.token = token;
            this.text = text;
        }

        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }

        boolean isBoolean() {
            return token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE;
        }

        boolean isNumber() {
            return token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT;
        }

        @Override
        String kind() {
            if (isNull()) return "an empty value";
            if (isBoolean()) return "a boolean";
            if (isNumber()) return "a number";
            return "a string";
        }
    }

    /** A syntax error with the position Jackson reported. */
    static final class SyntaxError extends Exception {
        final int line;
        final int column;

        SyntaxError(String message, int line, int column) {
            super(message);
            this.line = line;
            this.column = column;
        }
    }

    /** Parses one YAML document; returns null for an empty one. */
    static Node parse(String text) throws SyntaxError {
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) return null;
            Node root = read(p, t);
            if (p.nextToken() != null) {
                JsonLocation at = p.currentTokenLocation();
                throw new SyntaxError("a contract file holds one YAML document, found a second one", at.getLineNr(), at.getColumnNr());
            }
            return root;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            int line = at == null ? -1 : at.getLineNr();
            int col = at == null ? -1 : at.getColumnNr();
            throw new SyntaxError(condense(e.getOriginalMessage()), line, col);
        } catch (IOException e) {
            throw new SyntaxError(String.valueOf(e.getMessage()), -1, -1);
        }
    }

    private static Node read(JsonParser p, JsonToken t) throws IOException, SyntaxError {
        JsonLocation at = p.currentTokenLocation();
        switch (t) {
            case START_OBJECT: {
                MapNode m = new MapNode(at);
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonLocation keyAt = p.currentTokenLocation();
                    if (m.entries.containsKey(key)) {
                        // Jackson silently keeps the last duplicate; a contract must not say two things.
                        int[] first = m.keyPositions.get(key);
                        throw new SyntaxError("duplicate key '" + key + "' (first at line " + first[0] + ")",
                                keyAt.getLineNr(), keyAt.getColumnNr());
                    }
                    Node value = read(p, p.nextToken());
                    m.entries.put(key, value);
                    m.keyPositions.put(key, new int[]{keyAt.getLineNr(), keyAt.getColumnNr()});
                }
                return m;
            }
            case START_ARRAY: {
                ListNode l = new ListNode(at);
                JsonToken k;
                while ((k = p.nextToken()) != JsonToken.END_ARRAY) {
                    l.items.add(read(p, k));
                }
                return l;
            }
            default:
                return new Scalar(at, t, t == JsonToken.VALUE_NULL ? null : p.getText());
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
