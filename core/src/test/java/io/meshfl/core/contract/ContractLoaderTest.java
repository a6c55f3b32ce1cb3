package io.meshfl.core.contract;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.meshfl.core.contract.ContractFixtures.CONTRACT;
import static io.meshfl.core.contract.ContractFixtures.CSV;
import static io.meshfl.core.contract.ContractFixtures.lineOf;
import static io.meshfl.core.contract.ContractFixtures.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContractLoaderTest {

    @TempDir
    Path dir;

    private DataContract load(String yaml) {
        return ContractLoader.load(ContractFixtures.write(dir, yaml, CSV));
    }

    private MeshflException rejected(String yaml) {
        MeshflException e = assertThrows(MeshflException.class, () -> load(yaml));
        assertEquals(ErrorCode.CONTRACT_INVALID, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("contract.yaml"), "message names the file: " + e.getMessage());
        return e;
    }

    private static void assertMentions(MeshflException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "expected '" + p + "' in: " + e.getMessage());
        }
    }

    @Test
    void canonicalContractLoadsEveryField() throws Exception {
        Path file = Path.of(getClass().getResource("/contract/clinic-a.breast.yaml").toURI());
        DataContract c = ContractLoader.load(file, false);
        assertEquals("clinic-a.breast", c.id());
        assertEquals("1.0.0", c.version());
        assertEquals("clinic-a", c.domain());
        assertEquals("breast", c.dataProduct());
        assertEquals("active", c.status());
        assertEquals("clinic-a-data", c.team().name());
        assertEquals(List.of("alice"), c.team().owners());
        assertEquals("Breast-cancer screening features", c.description());
        assertEquals(Server.Type.CSV, c.server().type());
        assertTrue(c.server().path().isAbsolute());
        assertEquals(file.getParent().resolve("../../../shared/datasets/breast_homo_guest.csv").normalize(), c.server().path());
        assertEquals(32, c.properties().size());
        assertEquals(LogicalType.INTEGER, c.property("y").orElseThrow().logicalType());
        assertTrue(c.property("id").orElseThrow().primaryKey());
        assertTrue(c.isPii("id"));
        assertFalse(c.isPii("x0"));
        assertTrue(c.property("nope").isEmpty());
        assertEquals("id", c.policy().entityKey());
        assertEquals("y", c.policy().label());
        assertEquals(List.of("x0", "x1"), c.featureColumns());
        assertFalse(c.policy().rawRowsMayLeave());
        assertFalse(c.policy().allowPiiFeatures());
        assertEquals(Imputation.Strategy.NONE, c.policy().imputation().strategy());
        assertEquals(file.toAbsolutePath().normalize(), c.sourceFile());
        assertEquals(Files.readString(file), c.rawYaml());
    }

    @Test
    void relativeDataPathResolvesAgainstTheContractFolder() {
        DataContract c = load(CONTRACT);
        assertEquals(dir.resolve("data.csv").toAbsolutePath().normalize(), c.server().path());
    }

    @Test
    void malformedYamlIsRejectedWithLineAndColumn() {
        String yaml = with(CONTRACT, "  label: y\n", "  label: [y\n");
        MeshflException e = rejected(yaml);
        assertMentions(e, "malformed YAML", "contract.yaml:" + (lineOf(yaml, "label: [y") + 1) + ":");
    }

    @Test
    void wrongIndentationIsMalformedYaml() {
        MeshflException e = rejected(with(CONTRACT, "version: 1.0.0\n", "version: 1.0.0\n  owner: bob\n"));
        assertMentions(e, "malformed YAML", "contract.yaml:5:");
    }

    @Test
    void duplicateYamlKeyIsRejectedWithBothLines() {
        String yaml = with(CONTRACT, "status: active\n", "status: active\nversion: 2.0.0\n");
        MeshflException e = rejected(yaml);
        assertMentions(e, "duplicate key 'version'", "first at line 4", "contract.yaml:" + lineOf(yaml, "version: 2.0.0") + ":1");
    }

    @Test
    void emptyFileIsRejected() {
        assertMentions(rejected(""), "empty");
    }

    @Test
    void unknownTopLevelFieldIsRejectedWithFieldNameAndHint() {
        String yaml = with(CONTRACT, "dataProduct: breast", "dataProdcut: breast");
        MeshflException e = rejected(yaml);
        assertMentions(e, "contract.yaml:" + lineOf(yaml, "dataProdcut") + ":1: dataProdcut:",
                "unknown top-level field 'dataProdcut'", "did you mean 'dataProduct'?");
    }

    @Test
    void unknownFieldFarFromAnyNameListsTheValidFields() {
        MeshflException e = rejected(CONTRACT + "zzzzzzzz: 1\n");
        assertMentions(e, "zzzzzzzz", "valid fields: apiVersion, kind, id");
    }

    @Test
    void unknownMeshflFieldIsRejectedWithFieldNameAndHint() {
        String yaml = with(CONTRACT, "  label: y", "  lable: y");
        MeshflException e = rejected(yaml);
        assertMentions(e, "contract.yaml:" + lineOf(yaml, "lable") + ":3: meshfl.lable:", "did you mean 'label'?");
    }

    @Test
    void protocolsAndRequirementsOutsideTheirVocabulariesAreRejectedWithPosition() throws Exception {
        String yaml = with(CONTRACT, "  label: y", "  label: y\n  protocols: [horizontal, telepathy]\n  requires: [secure-aggregation, magic]");
        MeshflException e = rejected(yaml);
        assertMentions(e, "contract.yaml:" + lineOf(yaml, "telepathy") + ":", "meshfl.protocols[1]", "'telepathy'",
                "meshfl.requires[1]", "'magic'");
        String ok = with(CONTRACT, "  label: y", "  label: y\n  protocols: [horizontal]\n  requires: [secure-aggregation]");
        var policy = load(ok).policy();
        assertEquals(List.of("horizontal"), policy.protocols());
        assertTrue(policy.allows("horizontal") && !policy.allows("vertical"));
        assertEquals(List.of("secure-aggregation"), policy.requires());
    }

    @Test
    void misspeltPropertyFieldIsRejectedSoClassificationCannotBeLost() {
        String yaml = with(CONTRACT, "classification: pii}\n      - {name: age", "clasification: pii}\n      - {name: age");
        MeshflException e = rejected(yaml);
        assertMentions(e, "schema[0].properties[4].clasification", "did you mean 'classification'?",
                "contract.yaml:" + lineOf(yaml, "clasification") + ":");
    }

    @Test
    void odcsFieldsMeshflDoesNotUseAreAccepted() {
        String extra = """
                name: Breast screening
                tenant: acme
                tags: [health, screening]
                customProperties: [{property: refreshRate, value: daily}]
                slaProperties: [{property: latency, value: 4, unit: d}]
                support: [{channel: "#clinic-a", url: "https://chat.example/clinic-a"}]
                price: {priceAmount: 0, priceCurrency: EUR, priceUnit: megabyte}
                authoritativeDefinitions: [{url: "https://example.org/breast", type: businessDefinition}]
                contractCreatedTs: "2025-01-01T00:00:00Z"
                """;
        DataContract c = load(CONTRACT + extra);
        assertEquals("clinic-a.breast", c.id());
    }

    @Test
    void wrongKindIsRejected() {
        String yaml = with(CONTRACT, "kind: DataContract", "kind: DataProduct");
        assertMentions(rejected(yaml), "contract.yaml:2:7: kind:", "expected 'DataContract'", "'DataProduct'");
    }

    @Test
    void apiVersionMustBeOdcsV3() {
        String yaml = with(CONTRACT, "apiVersion: v3.0.2", "apiVersion: v2.2.2");
        assertMentions(rejected(yaml), "contract.yaml:1:13: apiVersion:", "v3", "'v2.2.2'");
    }

    @Test
    void missingIdDomainAndVersionAreEachNamed() {
        String yaml = with(with(with(CONTRACT, "id: clinic-a.breast\n", ""), "version: 1.0.0\n", ""), "domain: clinic-a\n", "");
        MeshflException e = rejected(yaml);
        assertMentions(e, "contract.yaml:1:1: id: required field is missing", "contract.yaml:1:1: version: required",
                "contract.yaml:1:1: domain: required");
    }

    @Test
    void idMustBeDomainDotName() {
        String yaml = with(CONTRACT, "id: clinic-a.breast", "id: clinic-b.breast");
        assertMentions(rejected(yaml), "contract.yaml:3:5: id:", "'<domain>.<name>'", "domain 'clinic-a'", "'clinic-b.breast'");
        assertMentions(rejected(with(CONTRACT, "id: clinic-a.breast", "id: clinic-a.")), "id:");
        assertMentions(rejected(with(CONTRACT, "id: clinic-a.breast", "id: breast")), "id:");
    }

    @Test
    void unknownLogicalTypeIsRejectedWithPropertyPath() {
        String yaml = with(CONTRACT, "{name: x1, logicalType: number}", "{name: x1, logicalType: float}");
        MeshflException e = rejected(yaml);
        assertMentions(e, "contract.yaml:" + lineOf(yaml, "name: x1") + ":", "schema[0].properties[3].logicalType:",
                "unknown logical type 'float'", "string, number, integer, boolean, date, timestamp");
    }

    @Test
    void missingLogicalTypeIsRejected() {
        String yaml = with(CONTRACT, "{name: x1, logicalType: number}", "{name: x1}");
        assertMentions(rejected(yaml), "schema[0].properties[3].logicalType: required field is missing");
    }

    @Test
    void duplicatePropertyNamesAreRejected() {
        String yaml = with(CONTRACT, "{name: x1, logicalType: number}", "{name: x0, logicalType: number}");
        MeshflException e = rejected(yaml);
        assertMentions(e, "schema[0].properties[3].name:", "duplicate property name 'x0'", "schema[0].properties[2]",
                "contract.yaml:" + (lineOf(yaml, "name: x0") + 1) + ":");
    }

    @Test
    void entityKeyMustBeADeclaredColumn() {
        String yaml = with(CONTRACT, "entityKey: id", "entityKey: idd");
        assertMentions(rejected(yaml), "contract.yaml:" + lineOf(yaml, "entityKey") + ":14: meshfl.entityKey:",
                "column 'idd' is not declared", "did you mean 'id'?");
    }

    @Test
    void labelMustBeADeclaredColumn() {
        String yaml = with(CONTRACT, "label: y", "label: target");
        assertMentions(rejected(yaml), "meshfl.label:", "column 'target' is not declared");
    }

    @Test
    void featureMustBeADeclaredColumn() {
        String yaml = with(CONTRACT, "features: [x0, x1]", "features: [x0, x9]");
        assertMentions(rejected(yaml), "contract.yaml:" + lineOf(yaml, "features: [") + ":18:",
                "meshfl.features[1]:", "column 'x9' is not declared");
    }

    @Test
    void labelListedAsFeatureIsRejected() {
        String yaml = with(CONTRACT, "features: [x0, x1]", "features: [x0, y]");
        assertMentions(rejected(yaml), "meshfl.features[1]:", "label 'y' cannot also be a feature");
    }

    @Test
    void piiColumnAsFeatureIsRejectedUnlessAllowed() {
        String yaml = with(CONTRACT, "features: [x0, x1]", "features: [x0, age]");
        assertMentions(rejected(yaml), "meshfl.features[1]:", "'age' is classified pii", "allowPiiFeatures");
        DataContract c = load(with(yaml, "  label: y\n", "  label: y\n  allowPiiFeatures: true\n"));
        assertEquals(List.of("x0", "age"), c.featureColumns());
        assertTrue(c.policy().allowPiiFeatures());
    }

    @Test
    void stringColumnCannotBeAFeature() {
        String yaml = with(CONTRACT, "{name: x1, logicalType: number}", "{name: x1, logicalType: string}");
        assertMentions(rejected(yaml), "meshfl.features[1]:", "logical type string");
    }

    @Test
    void starFeaturesAreEveryNumericNonKeyNonLabelNonPiiColumn() {
        DataContract c = load(with(CONTRACT, "features: [x0, x1]", "features: \"*\""));
        assertEquals(List.of("x0", "x1"), c.featureColumns());
        DataContract absent = load(with(CONTRACT, "  features: [x0, x1]\n", ""));
        assertEquals(List.of("x0", "x1"), absent.featureColumns());
        // a product that allows pii features offers its numeric pii columns under "*" too (the text ssn never is a feature)
        DataContract pii = load(with(with(CONTRACT, "features: [x0, x1]", "features: \"*\""), "  label: y\n", "  label: y\n  allowPiiFeatures: true\n"));
        assertEquals(List.of("x0", "x1", "age"), pii.featureColumns());
    }

    @Test
    void entityKeyDefaultsToTheSinglePrimaryKey() {
        DataContract c = load(with(CONTRACT, "  entityKey: id\n", ""));
        assertEquals("id", c.policy().entityKey());
    }

    @Test
    void contractWithoutMeshflSectionGetsSafeDefaults() {
        String yaml = CONTRACT.substring(0, CONTRACT.indexOf("meshfl:"));
        DataContract c = load(yaml);
        assertEquals("id", c.policy().entityKey());
        assertNull(c.policy().label());
        assertEquals(List.of("y", "x0", "x1"), c.featureColumns(), "without a label, y is an ordinary column");
        assertFalse(c.policy().rawRowsMayLeave());
        assertEquals(Imputation.NONE, c.policy().imputation());
    }

    @Test
    void imputationStrategiesAreParsed() {
        DataContract mean = load(with(CONTRACT, "{strategy: none}", "{strategy: mean}"));
        assertEquals(Imputation.Strategy.MEAN, mean.policy().imputation().strategy());
        DataContract constant = load(with(CONTRACT, "{strategy: none}", "{strategy: constant, value: -1.5}"));
        assertEquals(Imputation.constant(-1.5), constant.policy().imputation());
        assertMentions(rejected(with(CONTRACT, "{strategy: none}", "{strategy: constant}")), "meshfl.imputation.value:", "required");
        assertMentions(rejected(with(CONTRACT, "{strategy: none}", "{strategy: median}")),
                "meshfl.imputation.strategy:", "'median'");
    }

    @Test
    void flagMustBeBoolean() {
        String yaml = with(CONTRACT, "  label: y\n", "  label: y\n  rawRowsMayLeave: maybe\n");
        assertMentions(rejected(yaml), "meshfl.rawRowsMayLeave:", "expected true or false", "'maybe'");
    }

    @Test
    void everyProblemOfAFileIsReported() {
        String yaml = with(with(CONTRACT, "kind: DataContract", "kind: Other"), "logicalType: integer}\n      - {name: x0",
                "logicalType: int}\n      - {name: x0");
        MeshflException e = rejected(yaml);
        assertMentions(e, "kind:", "schema[0].properties[1].logicalType:");
    }

    @Test
    void missingDataFileNamesContractFieldAndResolvedPath() {
        Path f = ContractFixtures.write(dir, with(CONTRACT, "path: data.csv", "path: sub/missing.csv"), null);
        MeshflException e = assertThrows(MeshflException.class, () -> ContractLoader.load(f));
        assertEquals(ErrorCode.CONTRACT_FILE_MISSING, e.code());
        assertMentions(e, "contract.yaml:15:11: servers[0].path:", dir.resolve("sub/missing.csv").toAbsolutePath().toString(),
                "'sub/missing.csv'");
        assertEquals("clinic-a.breast", ContractLoader.load(f, false).id(), "a catalog may load contracts without the data");
    }

    @Test
    void missingContractFileIsReported() {
        MeshflException e = assertThrows(MeshflException.class, () -> ContractLoader.load(dir.resolve("nope.yaml")));
        assertEquals(ErrorCode.CONTRACT_FILE_MISSING, e.code());
        assertMentions(e, "nope.yaml");
    }

    @Test
    void jdbcServerNeedsUrlAndPlainTableName() {
        String jdbc = "type: jdbc\n    url: jdbc:h2:mem:x\n    table: patients\n";
        DataContract c = load(with(CONTRACT, "type: csv\n    path: data.csv\n", jdbc));
        assertEquals(Server.Type.JDBC, c.server().type());
        assertEquals("patients", c.server().table());
        assertMentions(rejected(with(CONTRACT, "type: csv\n    path: data.csv\n", "type: jdbc\n    url: jdbc:h2:mem:x\n")),
                "servers[0].table: required field is missing");
        assertMentions(rejected(with(CONTRACT, "type: csv\n    path: data.csv\n", "type: jdbc\n    url: jdbc:h2:mem:x\n    table: \"x; drop table y\"\n")),
                "servers[0].table:", "not a plain table name");
    }

    @Test
    void unsupportedServerTypeIsRejected() {
        assertMentions(rejected(with(CONTRACT, "type: csv", "type: s3")), "servers[0].type:", "unsupported server type 's3'",
                "csv, parquet, jdbc or kafka");
    }

    @Test
    void odcsLocalServerWithFormatIsAccepted() {
        DataContract c = load(with(CONTRACT, "type: csv", "type: local\n    format: parquet"));
        assertEquals(Server.Type.PARQUET, c.server().type());
    }

    @Test
    void moreThanOneSchemaObjectIsRejected() {
        String yaml = with(CONTRACT, "meshfl:", "  - name: other\n    properties: [{name: z, logicalType: number}]\nmeshfl:");
        assertMentions(rejected(yaml), "schema[1]:", "one table per product");
    }

    @Test
    void loadDirectoryReadsYamlFilesSortedByName() throws Exception {
        Files.writeString(dir.resolve("data.csv"), CSV);
        Files.writeString(dir.resolve("b.yml"), with(with(CONTRACT, "id: clinic-a.breast", "id: clinic-a.b"), "dataProduct: breast", "dataProduct: b"));
        Files.writeString(dir.resolve("a.yaml"), with(with(CONTRACT, "id: clinic-a.breast", "id: clinic-a.a"), "dataProduct: breast", "dataProduct: a"));
        Files.writeString(dir.resolve("notes.txt"), "not a contract");
        List<String> ids = new ArrayList<>();
        for (DataContract c : ContractLoader.loadDirectory(dir)) ids.add(c.id());
        assertEquals(List.of("clinic-a.a", "clinic-a.b"), ids);
    }

    @Test
    void loadDirectoryRejectsTheSameIdTwice() throws Exception {
        Files.writeString(dir.resolve("data.csv"), CSV);
        Files.writeString(dir.resolve("a.yaml"), CONTRACT);
        Files.writeString(dir.resolve("b.yaml"), CONTRACT);
        MeshflException e = assertThrows(MeshflException.class, () -> ContractLoader.loadDirectory(dir));
        assertEquals(ErrorCode.CONTRACT_INVALID, e.code());
        assertMentions(e, "b.yaml", "a.yaml", "clinic-a.breast");
    }

    @Test
    void parseNamesInlineTextWhenThereIsNoFile() {
        MeshflException e = assertThrows(MeshflException.class, () -> ContractLoader.parse("kind: [", null));
        assertMentions(e, "<inline>");
    }
}
