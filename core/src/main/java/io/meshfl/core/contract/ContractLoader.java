package io.meshfl.core.contract;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.YamlTree.ListNode;
import io.meshfl.core.contract.YamlTree.MapNode;
import io.meshfl.core.contract.YamlTree.Node;
import io.meshfl.core.contract.YamlTree.Scalar;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates data product contracts: ODCS v3 YAML plus a {@code meshfl} section.
 * Every error names the contract file, the field path (such as
 * {@code schema[0].properties[3].logicalType}) and the line and column it was found at.
 */
public final class ContractLoader {

    // the names each section accepts: the one list of the contract's fields (ContractFields). Strict on purpose: a
    // misspelt "classification" would silently let a pii column become a feature.
    static final Set<String> TOP_FIELDS = ContractFields.names("");
    static final Set<String> MESHFL_FIELDS = ContractFields.names("meshfl");
    static final Set<String> IMPUTATION_FIELDS = ContractFields.names("meshfl.imputation");
    static final Set<String> SCHEMA_FIELDS = ContractFields.names("schema");
    static final Set<String> PROPERTY_FIELDS = ContractFields.names("schema.properties");

    private static final Pattern DOMAIN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");
    private static final Pattern PRODUCT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*){0,2}");
    private static final List<String> LOGICAL_TYPE_NAMES =
            Arrays.stream(LogicalType.values()).map(LogicalType::yamlName).toList();

    private ContractLoader() {
    }

    /** Loads and validates one contract file, including that its data file exists. */
    public static DataContract load(Path file) {
        return load(file, true);
    }

    /**
     * Loads and validates one contract file; {@code requireData} false skips the check that the
     * data file exists, for a catalog that holds contracts but not the data.
     */
    public static DataContract load(Path file, boolean requireData) {
        Path abs = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(abs)) {
            throw new MeshflException(ErrorCode.CONTRACT_FILE_MISSING, "contract file not found: " + abs);
        }
        String text;
        try {
            text = Files.readString(abs, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.CONTRACT_FILE_MISSING, "cannot read contract file " + abs + ": " + e.getMessage(), e);
        }
        return parse(text, abs, requireData);
    }

    /** Loads every {@code *.yaml} and {@code *.yml} file of a folder (not its subfolders) that declares {@code kind: DataContract}, sorted by file name. */
    public static List<DataContract> loadDirectory(Path dir) {
        return loadDirectory(dir, true);
    }

    public static List<DataContract> loadDirectory(Path dir, boolean requireData) {
        List<Path> files = YamlTree.filesOfKind(dir, "DataContract", "contract");
        List<DataContract> out = new ArrayList<>();
        Map<String, Path> seen = new HashMap<>();
        for (Path f : files) {
            DataContract c = load(f, requireData);
            Path other = seen.putIfAbsent(c.id(), f);
            if (other != null) {
                throw new MeshflException(ErrorCode.CONTRACT_INVALID, f + ": id: product id '" + c.id()
                        + "' is already declared by " + other + "; ids must be unique in the mesh");
            }
            out.add(c);
        }
        return out;
    }

    /** Parses and validates contract text; {@code sourceFile} (nullable) names it in errors and anchors relative paths. */
    public static DataContract parse(String yaml, Path sourceFile) {
        return parse(yaml, sourceFile, true);
    }

    public static DataContract parse(String yaml, Path sourceFile, boolean requireData) {
        // "catalog:<id>@<version>" and "node:..." name where a contract came from, not a file: kept as they are
        Path src = sourceFile == null ? null : sourceFile.toString().matches("[a-z]+:.*") ? sourceFile : sourceFile.toAbsolutePath().normalize();
        Ctx ctx = new Ctx(src == null ? "<inline>" : src.toString());
        Node root;
        try {
            root = YamlTree.parse(yaml, "a contract file");
        } catch (YamlTree.SyntaxError e) {
            throw new MeshflException(ErrorCode.CONTRACT_INVALID,
                    ctx.file + ":" + e.line() + ":" + e.column() + ": malformed YAML: " + e.getMessage());
        }
        if (root == null) {
            throw new MeshflException(ErrorCode.CONTRACT_INVALID, ctx.file + ":1:1: the contract is empty");
        }
        if (!(root instanceof MapNode top)) {
            throw new MeshflException(ErrorCode.CONTRACT_INVALID, ctx.file + ":" + root.line() + ":" + root.column()
                    + ": expected a mapping of contract fields, found " + root.kind());
        }
        Path base = src == null || src.getParent() == null ? Path.of("").toAbsolutePath() : src.getParent();
        return new Reader(ctx, top, base, yaml, src, requireData).read();
    }

    /** Collects errors so that one run reports every problem of a file, not just the first. */
    private static final class Ctx {
        final String file;
        final List<String> errors = new ArrayList<>();

        Ctx(String file) {
            this.file = file;
        }

        void error(int line, int col, String path, String msg) {
            errors.add(file + ":" + line + ":" + col + ": " + path + ": " + msg);
        }

        void error(Node at, String path, String msg) {
            error(at.line(), at.column(), path, msg);
        }

        void failIfAny() {
            if (!errors.isEmpty()) {
                throw new MeshflException(ErrorCode.CONTRACT_INVALID, String.join("\n", errors));
            }
        }
    }

    private static final class Reader {
        final Ctx ctx;
        final MapNode top;
        final Path base;
        final String raw;
        final Path src;
        final boolean requireData;

        Reader(Ctx ctx, MapNode top, Path base, String raw, Path src, boolean requireData) {
            this.ctx = ctx;
            this.top = top;
            this.base = base;
            this.raw = raw;
            this.src = src;
            this.requireData = requireData;
        }

        DataContract read() {
            onlyFields(top, "", TOP_FIELDS);

            String apiVersion = text(top, "", "apiVersion", true);
            if (apiVersion != null && !apiVersion.startsWith("v3")) {
                ctx.error(top.get("apiVersion"), "apiVersion", "expected an ODCS v3 version such as v3.0.2, found '" + apiVersion + "'");
            }
            String kind = text(top, "", "kind", true);
            if (kind != null && !kind.equals("DataContract")) {
                ctx.error(top.get("kind"), "kind", "expected 'DataContract', found '" + kind + "'");
            }
            String id = text(top, "", "id", true);
            String version = text(top, "", "version", true);
            String domain = text(top, "", "domain", true);
            if (domain != null && !DOMAIN.matcher(domain).matches()) {
                ctx.error(top.get("domain"), "domain", "'" + domain
                        + "' is not a valid domain name (letters, digits, '-' and '_', no '.')");
                domain = null;
            }
            String name = null;
            if (id != null && domain != null) {
                String prefix = domain + ".";
                name = id.startsWith(prefix) ? id.substring(prefix.length()) : null;
                if (name == null || !PRODUCT_NAME.matcher(name).matches()) {
                    ctx.error(top.get("id"), "id", "expected '<domain>.<name>' with domain '" + domain
                            + "', such as '" + domain + ".orders', found '" + id + "'");
                    name = null;
                }
            }
            String dataProduct = text(top, "", "dataProduct", false);
            if (dataProduct == null) dataProduct = name;
            String status = text(top, "", "status", false);
            if (status == null) status = "active";
            Team team = team();
            String description = description();
            Server server = server();
            List<Property> properties = properties();
            PolicyDraft draft = policyDraft();
            ctx.failIfAny();

            FlPolicy policy = resolvePolicy(draft, properties);
            ctx.failIfAny();

            if (server.type() == Server.Type.KAFKA) server = withStreamKey(server, properties);
            ctx.failIfAny();
            if (requireData && server.isFiles() && !server.files().unmatched().isEmpty()) {
                MapNode s0 = (MapNode) ((ListNode) top.get("servers")).items().get(0);
                Node at = s0.get("path") != null ? s0.get("path") : s0.get("paths");
                List<Path> missing = server.files().unmatched();
                String what = at instanceof Scalar sc ? "data file not found: " + missing.get(0) + " (written as '" + sc.text() + "'"
                        : "no data file found for " + missing + " (";
                throw new MeshflException(ErrorCode.CONTRACT_FILE_MISSING, ctx.file + ":" + at.line() + ":" + at.column()
                        + ": servers[0]." + (s0.get("path") != null ? "path" : "paths") + ": " + what
                        + (at instanceof Scalar ? "; " : "") + "relative paths resolve against " + base + ")");
            }
            return new DataContract(id, version, domain, dataProduct, status, team, description, server,
                    properties, policy, src, raw);
        }

        Team team() {
            Node n = top.get("team");
            if (n == null || isNull(n)) return null;
            // ODCS v3.0 writes the team as a list of members, later versions as {name, members}.
            if (n instanceof ListNode l) return new Team(null, members(l, "team"));
            MapNode m = map(n, "team");
            if (m == null) return null;
            String teamName = text(m, "team", "name", false);
            Node mem = m.get("members");
            List<Team.Member> members = List.of();
            if (mem != null && !isNull(mem)) {
                ListNode l = list(mem, "team.members");
                if (l != null) members = members(l, "team.members");
            }
            return new Team(teamName, members);
        }

        List<Team.Member> members(ListNode l, String path) {
            List<Team.Member> out = new ArrayList<>();
            for (int i = 0; i < l.items().size(); i++) {
                String p = path + "[" + i + "]";
                MapNode m = map(l.items().get(i), p);
                if (m == null) continue;
                out.add(new Team.Member(text(m, p, "username", false), text(m, p, "role", false)));
            }
            return out;
        }

        String description() {
            Node n = top.get("description");
            if (n == null || isNull(n)) return null;
            if (n instanceof Scalar s) return s.text();
            MapNode m = map(n, "description");
            return m == null ? null : text(m, "description", "purpose", false);
        }

        Server server() {
            Node n = top.get("servers");
            if (n == null || isNull(n)) {
                ctx.error(top, "servers", "required field is missing: MeshFL reads the product from servers[0]");
                return null;
            }
            ListNode l = list(n, "servers");
            if (l == null) return null;
            if (l.items().isEmpty()) {
                ctx.error(l, "servers", "at least one server is required");
                return null;
            }
            // One server: a second entry would be read by nobody, so it is refused rather than silently left out.
            if (l.items().size() > 1) {
                ctx.error(l.items().get(1), "servers[1]", "MeshFL reads a product from one server; give a product kept in several "
                        + "files as servers[0].paths (a list) or as a glob in servers[0].path (for example data/part-*.csv)");
            }
            String path = "servers[0]";
            MapNode s = map(l.items().get(0), path);
            if (s == null) return null;
            String type = text(s, path, "type", true);
            if (type == null) return null;
            String t = type.strip().toLowerCase(Locale.ROOT);
            if (t.equals("local")) {
                String format = text(s, path, "format", true);
                if (format == null) return null;
                t = format.strip().toLowerCase(Locale.ROOT);
                if (!t.equals("csv") && !t.equals("parquet")) {
                    ctx.error(s.get("format"), path + ".format", "unsupported format '" + format + "' (expected csv or parquet)");
                    return null;
                }
            }
            if (!t.equals("kafka") && s.get("parts") != null) {
                ctx.error(s.get("parts"), path + ".parts", "parts are events arriving as files into a stream's topic: they apply only to type kafka");
            }
            switch (t) {
                case "csv":
                case "parquet": {
                    List<Path> resolved = new ArrayList<>();
                    Node many = s.get("paths");
                    if (many != null && s.get("path") != null) {
                        ctx.error(many, path + ".paths", "give either path or paths, not both");
                        return null;
                    }
                    if (many != null) {
                        ListNode pl = list(many, path + ".paths");
                        if (pl == null) return null;
                        if (pl.items().isEmpty()) ctx.error(pl, path + ".paths", "at least one path is required");
                        for (int i = 0; i < pl.items().size(); i++) {
                            Node item = pl.items().get(i);
                            if (!(item instanceof Scalar sc) || sc.isNull() || sc.text().isBlank()) {
                                ctx.error(item, path + ".paths[" + i + "]", "expected a file path or glob");
                                continue;
                            }
                            Path r = resolve(sc.text(), item, path + ".paths[" + i + "]");
                            if (r != null) resolved.add(r);
                        }
                    } else {
                        String p = text(s, path, "path", true);
                        if (p == null) return null;
                        Path r = resolve(p, s.get("path"), path + ".path");
                        if (r != null) resolved.add(r);
                    }
                    if (resolved.isEmpty()) return null;
                    return new Server(t.equals("csv") ? Server.Type.CSV : Server.Type.PARQUET, resolved, null, null, null, null);
                }
                case "jdbc": {
                    String url = text(s, path, "url", true);
                    String table = text(s, path, "table", true);
                    String user = text(s, path, "user", false);
                    String password = text(s, path, "password", false);
                    boolean ok = url != null && table != null;
                    if (url != null && !url.startsWith("jdbc:")) {
                        ctx.error(s.get("url"), path + ".url", "expected a JDBC URL starting with 'jdbc:', found '" + url + "'");
                        ok = false;
                    }
                    // The table name is pasted into SQL, so only plain (optionally qualified) identifiers pass.
                    if (table != null && !TABLE.matcher(table).matches()) {
                        ctx.error(s.get("table"), path + ".table", "'" + table
                                + "' is not a plain table name (letters, digits, '_', optionally schema-qualified)");
                        ok = false;
                    }
                    return ok ? new Server(Server.Type.JDBC, null, url, table, user, password) : null;
                }
                case "kafka":
                    return kafkaServer(s, path);
                default:
                    ctx.error(s.get("type"), path + ".type", "unsupported server type '" + type
                            + "' (expected csv, parquet, jdbc or kafka" + NameHints.hint(t, List.of("csv", "parquet", "jdbc", "kafka")) + ")");
                    return null;
            }
        }

        /** A Kafka topic of events; the key field may be left to the schema's primary key ({@link #withStreamKey}). */
        Server kafkaServer(MapNode s, String path) {
            String bootstrap = text(s, path, "bootstrap", true);
            String topic = text(s, path, "topic", true);
            String format = text(s, path, "format", false);
            String key = text(s, path, "key", false);
            String eventTime = text(s, path, "eventTime", true);
            String delay = text(s, path, "watermarkDelay", true);
            String parts = text(s, path, "parts", false);
            Path partsPath = parts == null ? null : resolve(parts, s.get("parts"), path + ".parts");
            if (partsPath != null && partsPath.getFileName() != null
                    && partsPath.getFileName().toString().chars().noneMatch(ch -> "*?[{".indexOf(ch) >= 0)) {
                // a folder alone would take every file in it, the half-written ones of a writer too
                ctx.error(s.get("parts"), path + ".parts", "expected a glob of the parts' names in their folder, such as incoming/part-*.csv, found '"
                        + parts + "'");
                partsPath = null;
            }
            Server.Format f = Server.Format.JSON;
            if (format != null) {
                f = switch (format.strip().toLowerCase(java.util.Locale.ROOT)) {
                    case "json" -> Server.Format.JSON;
                    case "avro" -> Server.Format.AVRO;
                    default -> null;
                };
                if (f == null) ctx.error(s.get("format"), path + ".format", "unsupported stream format '" + format + "' (expected json or avro)");
            }
            java.time.Duration d = delay == null ? null : Durations.parse(delay);
            if (delay != null && (d == null || d.isNegative())) {
                ctx.error(s.get("watermarkDelay"), path + ".watermarkDelay", "expected a duration such as 60s, 5m or PT1M, found '" + delay + "'");
            }
            if (bootstrap == null || topic == null || eventTime == null || d == null || f == null || d.isNegative()) return null;
            if (parts != null && partsPath == null) return null;
            return Server.kafka(new Server.Stream(bootstrap.strip(), topic.strip(), f, key == null ? "" : key.strip(), eventTime.strip(), d, partsPath));
        }

        /** The stream's key and event-time fields checked against the schema; a missing key becomes the primary key. */
        Server withStreamKey(Server server, List<Property> properties) {
            Server.Stream st = server.stream();
            MapNode s0 = (MapNode) ((ListNode) top.get("servers")).items().get(0);
            Set<String> names = new LinkedHashSet<>();
            for (Property p : properties) names.add(p.name());
            String key = st.keyField();
            if (key.isEmpty()) {
                List<String> pk = properties.stream().filter(Property::primaryKey).map(Property::name).toList();
                if (pk.size() != 1) {
                    ctx.error(s0, "servers[0].key", "name the event id field of the stream (key: ...) or mark exactly one schema column primaryKey");
                    return server;
                }
                key = pk.get(0);
            } else if (!names.contains(key)) {
                ctx.error(s0.get("key"), "servers[0].key", "'" + key + "' is not a column of the schema" + NameHints.hint(key, List.copyOf(names)));
            }
            if (!names.contains(st.eventTimeField())) {
                ctx.error(s0.get("eventTime"), "servers[0].eventTime", "'" + st.eventTimeField() + "' is not a column of the schema"
                        + NameHints.hint(st.eventTimeField(), List.copyOf(names)));
            }
            return Server.kafka(st.withKeyField(key));
        }

        /** A data path resolved against the contract's folder, or null after an error naming the field. */
        Path resolve(String p, Node at, String field) {
            try {
                return base.resolve(Path.of(p)).normalize();
            } catch (InvalidPathException e) {
                ctx.error(at, field, "not a valid path: " + e.getMessage());
                return null;
            }
        }

        List<Property> properties() {
            Node n = top.get("schema");
            if (n == null || isNull(n)) {
                ctx.error(top, "schema", "required field is missing");
                return List.of();
            }
            ListNode l = list(n, "schema");
            if (l == null) return List.of();
            if (l.items().isEmpty()) {
                ctx.error(l, "schema", "one schema object (the product's table) is required");
                return List.of();
            }
            if (l.items().size() > 1) {
                ctx.error(l.items().get(1), "schema[1]", "MeshFL reads one table per product, found "
                        + l.items().size() + " schema objects; publish each table as its own product");
            }
            MapNode table = map(l.items().get(0), "schema[0]");
            if (table == null) return List.of();
            onlyFields(table, "schema[0]", SCHEMA_FIELDS);
            Node pn = table.get("properties");
            if (pn == null || isNull(pn)) {
                ctx.error(table, "schema[0].properties", "required field is missing");
                return List.of();
            }
            ListNode props = list(pn, "schema[0].properties");
            if (props == null) return List.of();
            if (props.items().isEmpty()) {
                ctx.error(props, "schema[0].properties", "at least one property is required");
            }
            List<Property> out = new ArrayList<>();
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < props.items().size(); i++) {
                String path = "schema[0].properties[" + i + "]";
                MapNode p = map(props.items().get(i), path);
                if (p == null) continue;
                onlyFields(p, path, PROPERTY_FIELDS);
                String name = text(p, path, "name", true);
                String lt = text(p, path, "logicalType", true);
                LogicalType type = LogicalType.parse(lt);
                if (lt != null && type == null) {
                    ctx.error(p.get("logicalType"), path + ".logicalType", "unknown logical type '" + lt + "' (expected one of "
                            + String.join(", ", LOGICAL_TYPE_NAMES) + ")" + NameHints.hint(lt, LOGICAL_TYPE_NAMES));
                }
                boolean pk = bool(p, path, "primaryKey", false);
                boolean required = bool(p, path, "required", false);
                String classification = text(p, path, "classification", false);
                if (name != null) {
                    // Lower-cased because SQL engines such as DuckDB match column names case-insensitively.
                    Integer first = seen.putIfAbsent(name.toLowerCase(Locale.ROOT), i);
                    if (first != null) {
                        ctx.error(p.get("name"), path + ".name", "duplicate property name '" + name
                                + "' (already declared at schema[0].properties[" + first + "])");
                        continue;
                    }
                }
                if (name != null && type != null) out.add(new Property(name, type, pk, classification, required));
            }
            return out;
        }

        /** The meshfl section as written, before column names are checked against the schema. */
        record PolicyDraft(Scalar entityKey, Scalar label, List<Scalar> features, boolean rawRowsMayLeave,
                           boolean allowPiiFeatures, Imputation imputation, Double epsilonBudget, List<String> protocols,
                           List<String> requires, List<Grant> consumers) {
        }

        PolicyDraft policyDraft() {
            Node n = top.get("meshfl");
            if (n == null || isNull(n)) return new PolicyDraft(null, null, null, false, false, Imputation.NONE, null, List.of(), List.of(), null);
            MapNode m = map(n, "meshfl");
            if (m == null) return null;
            onlyFields(m, "meshfl", MESHFL_FIELDS);
            Scalar entityKey = nonEmptyScalar(m, "meshfl", "entityKey");
            Scalar label = nonEmptyScalar(m, "meshfl", "label");
            List<Scalar> features = null;
            Node fn = m.get("features");
            if (fn instanceof Scalar s && !s.isNull()) {
                if ("*".equals(s.text().strip())) {
                    features = null;
                } else {
                    ctx.error(s, "meshfl.features", "expected a list of column names or '*', found '" + s.text() + "'");
                }
            } else if (fn instanceof ListNode fl) {
                features = new ArrayList<>();
                for (int i = 0; i < fl.items().size(); i++) {
                    Node item = fl.items().get(i);
                    if (item instanceof Scalar s && !s.isNull()) {
                        features.add(s);
                    } else {
                        ctx.error(item, "meshfl.features[" + i + "]", "expected a column name, found " + item.kind());
                    }
                }
                if (features.size() == 1 && "*".equals(features.get(0).text().strip())) features = null;
            } else if (fn instanceof MapNode) {
                ctx.error(fn, "meshfl.features", "expected a list of column names or '*', found a mapping");
            }
            boolean rawRows = bool(m, "meshfl", "rawRowsMayLeave", false);
            boolean allowPii = bool(m, "meshfl", "allowPiiFeatures", false);
            Imputation imputation = imputation(m.get("imputation"));
            return new PolicyDraft(entityKey, label, features, rawRows, allowPii, imputation, epsilonBudget(m.get("epsilonBudget")),
                    words(m.get("protocols"), "meshfl.protocols", FlPolicy.PROTOCOLS), words(m.get("requires"), "meshfl.requires", FlPolicy.PROTECTIONS),
                    ConsumersSection.read(m.get("consumers"), ctx::error));
        }

        /** A list of words from a fixed vocabulary; absent means empty. */
        List<String> words(Node n, String path, List<String> vocabulary) {
            List<String> w = ConsumersSection.words(n, path, vocabulary, ctx::error);
            return w == null ? List.of() : w;
        }

        /** The total ε the product may spend over all differentially private runs; null when it sets none. */
        Double epsilonBudget(Node n) {
            if (n == null || isNull(n)) return null;
            if (!(n instanceof Scalar s) || !s.isNumber()) {
                ctx.error(n, "meshfl.epsilonBudget", "expected a positive number (total epsilon), found "
                        + (n instanceof Scalar s ? "'" + s.text() + "'" : n.kind()));
                return null;
            }
            double v = Double.parseDouble(s.text());
            if (!(v > 0) || Double.isInfinite(v)) {
                ctx.error(n, "meshfl.epsilonBudget", "must be a positive, finite total epsilon, found " + s.text());
                return null;
            }
            return v;
        }

        Imputation imputation(Node n) {
            String path = "meshfl.imputation";
            if (n == null || isNull(n)) return Imputation.NONE;
            Scalar strategyNode;
            MapNode m = null;
            if (n instanceof Scalar s) {
                strategyNode = s;
            } else {
                m = map(n, path);
                if (m == null) return Imputation.NONE;
                onlyFields(m, path, IMPUTATION_FIELDS);
                Node sn = m.get("strategy");
                if (sn == null || isNull(sn)) return Imputation.NONE;
                if (!(sn instanceof Scalar s)) {
                    ctx.error(sn, path + ".strategy", "expected none, mean or constant, found " + sn.kind());
                    return Imputation.NONE;
                }
                strategyNode = s;
            }
            String strategyPath = m == null ? path : path + ".strategy";
            String st = strategyNode.text().strip().toLowerCase(Locale.ROOT);
            switch (st) {
                case "none":
                    return Imputation.NONE;
                case "mean":
                    return Imputation.mean();
                case "constant": {
                    Node v = m == null ? null : m.get("value");
                    if (v == null || isNull(v)) {
                        ctx.error(m == null ? strategyNode : m, path + ".value", "required when strategy is constant");
                        return Imputation.NONE;
                    }
                    if (!(v instanceof Scalar vs) || !vs.isNumber()) {
                        ctx.error(v, path + ".value", "expected a number, found " + v.kind());
                        return Imputation.NONE;
                    }
                    return Imputation.constant(Double.parseDouble(vs.text()));
                }
                default:
                    ctx.error(strategyNode, strategyPath, "unknown imputation strategy '" + strategyNode.text()
                            + "' (expected none, mean or constant)" + NameHints.hint(st, List.of("none", "mean", "constant")));
                    return Imputation.NONE;
            }
        }

        FlPolicy resolvePolicy(PolicyDraft d, List<Property> properties) {
            Map<String, Property> byName = new LinkedHashMap<>();
            for (Property p : properties) byName.put(p.name(), p);

            String entityKey = null;
            if (d.entityKey() != null) {
                entityKey = column(d.entityKey(), "meshfl.entityKey", byName);
            } else {
                List<Property> pks = properties.stream().filter(Property::primaryKey).toList();
                if (pks.size() == 1) entityKey = pks.get(0).name();
            }
            String label = null;
            if (d.label() != null) {
                label = column(d.label(), "meshfl.label", byName);
                if (label != null && !byName.get(label).logicalType().isNumeric()) {
                    ctx.error(d.label(), "meshfl.label", "label column '" + label + "' has logical type "
                            + byName.get(label).logicalType().yamlName() + "; a label must be number, integer or boolean");
                } else if (label != null && label.equals(entityKey)) {
                    ctx.error(d.label(), "meshfl.label", "the entity key '" + label + "' cannot be the label");
                }
            }
            List<String> features = new ArrayList<>();
            if (d.features() == null) {
                for (Property p : properties) {
                    if (p.name().equals(entityKey) || p.primaryKey() || p.name().equals(label) || (p.isPii() && !d.allowPiiFeatures())
                            || !p.logicalType().isNumeric()) continue;
                    features.add(p.name());
                }
            } else {
                Set<String> seen = new LinkedHashSet<>();
                for (int i = 0; i < d.features().size(); i++) {
                    Scalar s = d.features().get(i);
                    String path = "meshfl.features[" + i + "]";
                    String col = column(s, path, byName);
                    if (col == null) continue;
                    Property p = byName.get(col);
                    if (!seen.add(col)) {
                        ctx.error(s, path, "column '" + col + "' is listed twice");
                    } else if (col.equals(label)) {
                        ctx.error(s, path, "the label '" + col + "' cannot also be a feature");
                    } else if (col.equals(entityKey)) {
                        ctx.error(s, path, "the entity key '" + col + "' cannot be a feature");
                    } else if (!p.logicalType().isNumeric()) {
                        ctx.error(s, path, "column '" + col + "' has logical type " + p.logicalType().yamlName()
                                + "; features must be number, integer or boolean");
                    } else if (p.isPii() && !d.allowPiiFeatures()) {
                        ctx.error(s, path, "column '" + col + "' is classified pii; set meshfl.allowPiiFeatures: true to use it as a feature");
                    } else {
                        features.add(col);
                    }
                }
            }
            return new FlPolicy(entityKey, label, features, d.rawRowsMayLeave(), d.allowPiiFeatures(), d.imputation(), d.epsilonBudget(),
                    d.protocols(), d.requires(), d.consumers());
        }

        String column(Scalar s, String path, Map<String, Property> byName) {
            String col = s.text().strip();
            if (byName.containsKey(col)) return col;
            ctx.error(s, path, "column '" + col + "' is not declared in schema[0].properties" + NameHints.hint(col, byName.keySet()));
            return null;
        }

        // ---- typed access with errors recorded against the field path ----

        void onlyFields(MapNode m, String path, Set<String> allowed) {
            for (Map.Entry<String, int[]> e : m.keyPositions().entrySet()) {
                String key = e.getKey();
                if (allowed.contains(key)) continue;
                String where = path.isEmpty() ? "top-level" : path;
                String hint = NameHints.nearest(key, allowed).map(s -> "did you mean '" + s + "'?")
                        .orElse("valid fields: " + String.join(", ", allowed));
                ctx.error(e.getValue()[0], e.getValue()[1], child(path, key), "unknown " + where + " field '" + key + "' (" + hint + ")");
            }
        }

        String text(MapNode m, String path, String key, boolean required) {
            Node n = m.get(key);
            String p = child(path, key);
            if (n == null || isNull(n)) {
                if (required) ctx.error(n == null ? m : n, p, "required field is missing");
                return null;
            }
            if (!(n instanceof Scalar s)) {
                ctx.error(n, p, "expected a single value, found " + n.kind());
                return null;
            }
            if (required && s.text().isBlank()) {
                ctx.error(n, p, "must not be blank");
                return null;
            }
            return s.text();
        }

        Scalar nonEmptyScalar(MapNode m, String path, String key) {
            return text(m, path, key, false) == null ? null : (Scalar) m.get(key);
        }

        boolean bool(MapNode m, String path, String key, boolean def) {
            Node n = m.get(key);
            if (n == null || isNull(n)) return def;
            if (n instanceof Scalar s && s.isBoolean()) return Boolean.parseBoolean(s.text());
            ctx.error(n, child(path, key), "expected true or false, found "
                    + (n instanceof Scalar s ? "'" + s.text() + "'" : n.kind()));
            return def;
        }

        MapNode map(Node n, String path) {
            if (n instanceof MapNode m) return m;
            ctx.error(n, path, "expected a mapping, found " + n.kind());
            return null;
        }

        ListNode list(Node n, String path) {
            if (n instanceof ListNode l) return l;
            ctx.error(n, path, "expected a list, found " + n.kind());
            return null;
        }

        static boolean isNull(Node n) {
            return n instanceof Scalar s && s.isNull();
        }

        static String child(String path, String key) {
            return path.isEmpty() ? key : path + "." + key;
        }
    }

    private static Set<String> set(String... names) {
        return new LinkedHashSet<>(Arrays.asList(names));
    }
}
