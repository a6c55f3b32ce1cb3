package io.meshfl.core.integration;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.NameHints;
import io.meshfl.core.contract.Property;
import io.meshfl.core.contract.YamlTree;
import io.meshfl.core.contract.YamlTree.ListNode;
import io.meshfl.core.contract.YamlTree.MapNode;
import io.meshfl.core.contract.YamlTree.Node;
import io.meshfl.core.contract.YamlTree.Scalar;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads mesh integration files ({@code kind: MeshIntegration}, see the package documentation)
 * and validates them against the contracts of the products they name. Every problem of a file
 * is reported at once, each as {@code file:line:column: field.path: message}, with
 * {@link ErrorCode#CONTRACT_INVALID}.
 */
public final class IntegrationLoader {

    static final String KIND = "MeshIntegration";
    // the names each section accepts: the one list of the file's fields (IntegrationFields)
    static final Set<String> TOP_FIELDS = IntegrationFields.names("");
    static final Set<String> RELATIONSHIP_FIELDS = IntegrationFields.names("relationships");
    static final Set<String> REF_FIELDS = IntegrationFields.names("relationships.from");
    static final Set<String> COLUMN_FIELDS = IntegrationFields.names("columns");
    static final Set<String> OVERLAP_FIELDS = IntegrationFields.names("overlaps");

    // Target names become column names of the training table and of SQL built from it.
    private static final Pattern TARGET = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private IntegrationLoader() {
    }

    /** Loads and validates one integration file against the given contracts (one per product id). */
    public static Integration load(Path file, Collection<DataContract> contracts) {
        Path abs = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(abs)) {
            throw new MeshflException(ErrorCode.CONTRACT_FILE_MISSING, "integration file not found: " + abs);
        }
        try {
            return parse(Files.readString(abs, StandardCharsets.UTF_8), abs, contracts);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.CONTRACT_FILE_MISSING, "cannot read integration file " + abs + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads every {@code *.yaml} and {@code *.yml} file of a folder (not its subfolders) that
     * declares {@code kind: MeshIntegration}, sorted by file name; contracts and job files in the
     * same folder are skipped. Two files with the same id and version are refused.
     */
    public static List<Integration> loadDirectory(Path dir, Collection<DataContract> contracts) {
        List<Path> files = YamlTree.filesOfKind(dir, KIND, "integration");
        List<Integration> out = new ArrayList<>();
        Map<String, Path> seen = new HashMap<>();
        for (Path f : files) {
            Integration i = load(f, contracts);
            Path other = seen.putIfAbsent(i.id() + " " + i.version(), f);
            if (other != null) {
                throw new MeshflException(ErrorCode.CONTRACT_INVALID, f + ": id: integration '" + i.id() + "' version "
                        + i.version() + " is already declared by " + other);
            }
            out.add(i);
        }
        return out;
    }

    /** Parses and validates integration text; {@code sourceFile} (nullable) names it in errors. */
    public static Integration parse(String yaml, Path sourceFile, Collection<DataContract> contracts) {
        Path src = sourceFile == null ? null : sourceFile.toAbsolutePath().normalize();
        String file = src == null ? "<inline>" : src.toString();
        Map<String, DataContract> byId = new LinkedHashMap<>();
        for (DataContract c : contracts) {
            DataContract other = byId.putIfAbsent(c.id(), c);
            if (other != null) {
                throw new MeshflException(ErrorCode.CONTRACT_INVALID, "two contracts given for product " + c.id() + " ("
                        + other.sourceName() + " version " + other.version() + ", " + c.sourceName() + " version "
                        + c.version() + "); validate an integration against one version of each product");
            }
        }
        Node root;
        try {
            root = YamlTree.parse(yaml, "an integration file");
        } catch (YamlTree.SyntaxError e) {
            throw new MeshflException(ErrorCode.CONTRACT_INVALID, file + ":" + e.line() + ":" + e.column() + ": malformed YAML: " + e.getMessage());
        }
        if (root == null) throw new MeshflException(ErrorCode.CONTRACT_INVALID, file + ":1:1: the integration is empty");
        if (!(root instanceof MapNode top)) {
            throw new MeshflException(ErrorCode.CONTRACT_INVALID, file + ":" + root.line() + ":" + root.column()
                    + ": expected a mapping of integration fields, found " + root.kind());
        }
        return new Reader(file, top, byId, src, yaml).read();
    }

    /** A column mapping as written, with the nodes errors point at. */
    private record MappingDraft(String path, ColumnMapping mapping, MapNode at) {
    }

    /** A place in the file: its field path and node. */
    private record Mention(String path, Node at) {
    }

    private static final class Reader {
        final String file;
        final MapNode top;
        final Map<String, DataContract> contracts;
        final Path src;
        final String raw;
        final List<String> errors = new ArrayList<>();
        // Where each product is first named, for errors about the product as a whole.
        final Map<String, Mention> firstMention = new LinkedHashMap<>();
        final Map<String, Mention> relationshipAt = new HashMap<>();

        Reader(String file, MapNode top, Map<String, DataContract> contracts, Path src, String raw) {
            this.file = file;
            this.top = top;
            this.contracts = contracts;
            this.src = src;
            this.raw = raw;
        }

        Integration read() {
            onlyFields(top, "", TOP_FIELDS);
            String apiVersion = text(top, "", "apiVersion", true);
            if (apiVersion != null && !apiVersion.startsWith("v1")) {
                error(top.get("apiVersion"), "apiVersion", "expected a MeshIntegration v1 version such as v1.0.0, found '" + apiVersion + "'");
            }
            String kind = text(top, "", "kind", true);
            if (kind != null && !kind.equals(KIND)) {
                error(top.get("kind"), "kind", "expected '" + KIND + "', found '" + kind + "'");
            }
            String id = text(top, "", "id", true);
            String version = text(top, "", "version", true);
            String description = text(top, "", "description", false);
            String base = text(top, "", "base", true);
            if (base != null) {
                base = base.strip();
                if (knownProduct((Scalar) top.get("base"), "base", base, "the base product")) {
                    firstMention.putIfAbsent(base, new Mention("base", top.get("base")));
                } else {
                    base = null;
                }
            }
            List<Relationship> relationships = relationships();
            List<MappingDraft> mappings = mappings();
            Resolved resolved = resolve(mappings);
            // Graph errors would only echo a relationship or product already reported as broken.
            if (base != null && errors.isEmpty()) checkGraph(base, relationships);
            if (!errors.isEmpty()) throw new MeshflException(ErrorCode.CONTRACT_INVALID, String.join("\n", errors));
            return new Integration(id, version, description, base, relationships, resolved.columns(), resolved.overlaps(), src, raw);
        }

        // ---------------------------------------------------------------- relationships

        List<Relationship> relationships() {
            ListNode l = optionalList("relationships");
            if (l == null) return List.of();
            List<Relationship> out = new ArrayList<>();
            Set<String> names = new LinkedHashSet<>();
            for (int i = 0; i < l.items().size(); i++) {
                String path = "relationships[" + i + "]";
                MapNode m = map(l.items().get(i), path);
                if (m == null) continue;
                onlyFields(m, path, RELATIONSHIP_FIELDS);
                String name = text(m, path, "name", false);
                String cardText = text(m, path, "cardinality", true);
                Cardinality card = cardText == null ? null : Cardinality.parse(cardText);
                if (cardText != null && card == null) {
                    List<String> known = Arrays.stream(Cardinality.values()).map(Cardinality::yamlName).toList();
                    error(m.get("cardinality"), path + ".cardinality", "unknown cardinality '" + cardText
                            + "' (expected one-to-one or many-to-one)" + NameHints.hint(cardText, known));
                }
                String label = name != null ? "relationship '" + name + "'" : "relationship " + path;
                ColumnRef from = ref(m, path, "from", label);
                ColumnRef to = ref(m, path, "to", label);
                if (from == null || to == null || card == null) continue;
                if (name == null) name = from + " -> " + to;
                if (!names.add(name)) {
                    error(m.get("name"), path + ".name", "duplicate relationship name '" + name + "'");
                    continue;
                }
                if (from.product().equals(to.product())) {
                    error(m.get("to"), path + ".to", label + " joins product " + from.product()
                            + " to itself; a relationship connects two different products");
                    continue;
                }
                Property fp = property(from), tp = property(to);
                if (fp.logicalType() != tp.logicalType()) {
                    error(m.get("to"), path + ".to", label + ": key columns have different logical types: " + from + " is "
                            + fp.logicalType().yamlName() + ", " + to + " is " + tp.logicalType().yamlName()
                            + "; keys are matched by value, so both must have the same type");
                    continue;
                }
                out.add(new Relationship(name, from, to, card));
                relationshipAt.put(name, new Mention(path, m));
            }
            return out;
        }

        /** A {@code {product, column}} mapping under {@code key}, checked against the product's contract. */
        ColumnRef ref(MapNode parent, String parentPath, String key, String label) {
            String path = parentPath + "." + key;
            Node n = parent.get(key);
            if (n == null || isNull(n)) {
                error(n == null ? parent : n, path, "required field is missing");
                return null;
            }
            MapNode m = map(n, path);
            if (m == null) return null;
            onlyFields(m, path, REF_FIELDS);
            return column(m, path, label);
        }

        /** The product and column fields of {@code m}, both checked; null after recording an error. */
        ColumnRef column(MapNode m, String path, String label) {
            String product = text(m, path, "product", true);
            String column = text(m, path, "column", true);
            if (product == null || column == null) return null;
            product = product.strip();
            column = column.strip();
            if (!knownProduct((Scalar) m.get("product"), path + ".product", product, label)) return null;
            firstMention.putIfAbsent(product, new Mention(path + ".product", m.get("product")));
            DataContract c = contracts.get(product);
            if (c.property(column).isEmpty()) {
                error(m.get("column"), path + ".column", label + ": column '" + column + "' is not declared in the contract of "
                        + product + " (" + c.sourceName() + ")" + NameHints.hint(column, c.columns()));
                return null;
            }
            return new ColumnRef(product, column);
        }

        boolean knownProduct(Scalar at, String path, String product, String label) {
            if (contracts.containsKey(product)) return true;
            String known = contracts.isEmpty() ? "no contracts were given" : "known products: " + String.join(", ", contracts.keySet());
            error(at, path, label + ": unknown product '" + product + "'" + NameHints.hint(product, contracts.keySet()) + " (" + known + ")");
            return false;
        }

        Property property(ColumnRef ref) {
            return contracts.get(ref.product()).property(ref.column()).orElseThrow();
        }

        // ---------------------------------------------------------------- columns and overlaps

        List<MappingDraft> mappings() {
            Node n = top.get("columns");
            if (n == null || isNull(n)) {
                error(n == null ? top : n, "columns", "required field is missing: map at least one target column");
                return List.of();
            }
            ListNode l = list(n, "columns");
            if (l == null) return List.of();
            if (l.items().isEmpty()) error(l, "columns", "map at least one target column");
            List<MappingDraft> out = new ArrayList<>();
            for (int i = 0; i < l.items().size(); i++) {
                String path = "columns[" + i + "]";
                MapNode m = map(l.items().get(i), path);
                if (m == null) continue;
                onlyFields(m, path, COLUMN_FIELDS);
                String target = text(m, path, "target", true);
                if (target != null && !TARGET.matcher(target.strip()).matches()) {
                    error(m.get("target"), path + ".target", "'" + target + "' is not a plain column name (letters, digits and '_', not starting with a digit)");
                    target = null;
                }
                ColumnRef source = column(m, path, "mapping '" + (target == null ? path : target.strip()) + "'");
                if (target == null || source == null) continue;
                if (property(source).isPii() && !contracts.get(source.product()).policy().allowPiiFeatures()) {
                    error(m.get("column"), path + ".column", "mapping '" + target.strip() + "': column " + source
                            + " is classified pii and the contract of " + source.product() + " does not allow pii features");
                    continue;
                }
                out.add(new MappingDraft(path, new ColumnMapping(target.strip(), source), m));
            }
            return out;
        }

        record Resolved(List<ColumnMapping> columns, List<Overlap> overlaps) {
        }

        /** One mapping per target: a target fed twice needs an overlap naming the source kept. */
        Resolved resolve(List<MappingDraft> mappings) {
            Map<String, List<MappingDraft>> byTarget = new LinkedHashMap<>();
            for (MappingDraft d : mappings) {
                // Lower-cased because SQL engines match column names case-insensitively.
                byTarget.computeIfAbsent(d.mapping().target().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(d);
            }
            Map<String, Mention> keepOf = overlapDrafts(byTarget);
            List<ColumnMapping> columns = new ArrayList<>();
            List<Overlap> overlaps = new ArrayList<>();
            for (Map.Entry<String, List<MappingDraft>> e : byTarget.entrySet()) {
                List<MappingDraft> group = e.getValue();
                MappingDraft first = group.get(0);
                if (group.size() == 1) {
                    columns.add(first.mapping());
                    continue;
                }
                Mention keep = keepOf.get(e.getKey());
                if (keep == null) {
                    for (MappingDraft d : group.subList(1, group.size())) {
                        error(d.at().get("target"), d.path() + ".target", "duplicate target column '" + d.mapping().target()
                                + "' (already fed by " + first.mapping().source() + " at " + first.path() + ", line "
                                + first.at().line() + "); if both sources hold the same attribute, declare an overlap naming the source to keep");
                    }
                    continue;
                }
                Overlap o = overlap(e.getKey(), group, keep);
                if (o == null) continue;
                overlaps.add(o);
                columns.add(new ColumnMapping(first.mapping().target(), o.kept()));
            }
            return new Resolved(columns, overlaps);
        }

        /** The {@code keep} node of each overlap, by lower-cased target; checks overlaps name targets fed twice. */
        Map<String, Mention> overlapDrafts(Map<String, List<MappingDraft>> byTarget) {
            Map<String, Mention> out = new LinkedHashMap<>();
            ListNode l = optionalList("overlaps");
            if (l == null) return out;
            for (int i = 0; i < l.items().size(); i++) {
                String path = "overlaps[" + i + "]";
                MapNode m = map(l.items().get(i), path);
                if (m == null) continue;
                onlyFields(m, path, OVERLAP_FIELDS);
                String target = text(m, path, "target", true);
                String keep = text(m, path, "keep", true);
                if (target == null || keep == null) continue;
                String key = target.strip().toLowerCase(Locale.ROOT);
                List<MappingDraft> group = byTarget.get(key);
                if (group == null) {
                    error(m.get("target"), path + ".target", "overlap names target column '" + target
                            + "', which no entry of columns maps" + NameHints.hint(target, byTarget.keySet()));
                } else if (group.size() < 2) {
                    error(m.get("target"), path + ".target", "overlap '" + target + "' names a target fed by one source only ("
                            + group.get(0).mapping().source() + "); map each source holding the attribute to it, or drop the overlap");
                } else if (out.putIfAbsent(key, new Mention(path + ".keep", m.get("keep"))) != null) {
                    error(m.get("target"), path + ".target", "a second overlap for target column '" + target + "'");
                }
            }
            return out;
        }

        Overlap overlap(String target, List<MappingDraft> group, Mention keep) {
            String keepProduct = ((Scalar) keep.at()).text().strip();
            MappingDraft kept = null;
            Map<String, MappingDraft> seen = new HashMap<>();
            boolean ok = true;
            for (MappingDraft d : group) {
                MappingDraft before = seen.putIfAbsent(d.mapping().source().product(), d);
                if (before != null) {
                    error(d.at().get("product"), d.path() + ".product", "target column '" + d.mapping().target() + "' is fed twice by product "
                            + d.mapping().source().product() + " (also at " + before.path() + "); an overlap chooses between products");
                    ok = false;
                }
                if (d.mapping().source().product().equals(keepProduct)) kept = d;
            }
            if (kept == null) {
                List<String> feeding = group.stream().map(d -> d.mapping().source().product()).toList();
                error(keep.at(), keep.path(), "overlap '" + target + "' keeps product '" + keepProduct
                        + "', which does not feed it (fed by " + String.join(", ", feeding) + ")" + NameHints.hint(keepProduct, feeding));
                return null;
            }
            Property kp = property(kept.mapping().source());
            List<ColumnRef> dropped = new ArrayList<>();
            for (MappingDraft d : group) {
                if (d == kept) continue;
                Property p = property(d.mapping().source());
                if (p.logicalType() != kp.logicalType()) {
                    error(d.at().get("column"), d.path() + ".column", "overlap '" + target + "': " + d.mapping().source() + " is "
                            + p.logicalType().yamlName() + " but the kept " + kept.mapping().source() + " is " + kp.logicalType().yamlName()
                            + "; overlapping sources must hold the same attribute");
                    ok = false;
                }
                dropped.add(d.mapping().source());
            }
            return ok ? new Overlap(kept.mapping().target(), kept.mapping().source(), dropped) : null;
        }

        // ---------------------------------------------------------------- graph

        /** The relationships must form a tree joined onto the base, so the join order is unambiguous. */
        void checkGraph(String base, List<Relationship> relationships) {
            List<Relationship> tree = new ArrayList<>();
            for (Relationship r : relationships) {
                List<Relationship> path = JoinGraph.path(r.from().product(), r.to().product(), tree);
                if (!path.isEmpty()) {
                    Mention at = relationshipAt.get(r.name());
                    error(at.at(), at.path(), "relationship " + r.describe()
                            + " closes a cycle: " + r.from().product() + " and " + r.to().product() + " are already joined through "
                            + String.join(", ", path.stream().map(Relationship::describe).toList())
                            + "; relationships must form a tree so the join order is unambiguous");
                } else {
                    tree.add(r);
                }
            }
            Set<String> reached = new LinkedHashSet<>();
            reached.add(base);
            for (JoinStep s : JoinGraph.steps(base, tree)) reached.add(s.product());
            for (Map.Entry<String, Mention> e : firstMention.entrySet()) {
                String p = e.getKey();
                if (reached.contains(p)) continue;
                boolean related = tree.stream().anyMatch(r -> r.involves(p));
                String why = related
                        ? "it is only joined through a many-to-one relationship followed from its one side, which would repeat base rows"
                        : "no relationship connects it";
                error(e.getValue().at(), e.getValue().path(), "product " + p + " is unreachable from the base product " + base + ": " + why);
            }
        }

        // ---------------------------------------------------------------- typed access

        void error(Node at, String path, String msg) {
            errors.add(file + ":" + at.line() + ":" + at.column() + ": " + path + ": " + msg);
        }

        void onlyFields(MapNode m, String path, Set<String> allowed) {
            for (Map.Entry<String, int[]> e : m.keyPositions().entrySet()) {
                String key = e.getKey();
                if (allowed.contains(key)) continue;
                String where = path.isEmpty() ? "top-level" : path;
                String hint = NameHints.nearest(key, allowed).map(s -> "did you mean '" + s + "'?")
                        .orElse("valid fields: " + String.join(", ", allowed));
                errors.add(file + ":" + e.getValue()[0] + ":" + e.getValue()[1] + ": " + child(path, key)
                        + ": unknown " + where + " field '" + key + "' (" + hint + ")");
            }
        }

        String text(MapNode m, String path, String key, boolean required) {
            Node n = m.get(key);
            String p = child(path, key);
            if (n == null || isNull(n)) {
                if (required) error(n == null ? m : n, p, "required field is missing");
                return null;
            }
            if (!(n instanceof Scalar s)) {
                error(n, p, "expected a single value, found " + n.kind());
                return null;
            }
            if (required && s.text().isBlank()) {
                error(n, p, "must not be blank");
                return null;
            }
            return s.text();
        }

        ListNode optionalList(String key) {
            Node n = top.get(key);
            return n == null || isNull(n) ? null : list(n, key);
        }

        MapNode map(Node n, String path) {
            if (n instanceof MapNode m) return m;
            error(n, path, "expected a mapping, found " + n.kind());
            return null;
        }

        ListNode list(Node n, String path) {
            if (n instanceof ListNode l) return l;
            error(n, path, "expected a list, found " + n.kind());
            return null;
        }

        static boolean isNull(Node n) {
            return n instanceof Scalar s && s.isNull();
        }

        static String child(String path, String key) {
            return path.isEmpty() ? key : path + "." + key;
        }
    }
}
