package io.meshfl.core.data;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Reads the shared FATE example data in place through the canonical contract. */
@Tag("realdata")
class ProductReaderRealDataTest {

    @TempDir
    Path dir;

    /** The shared/datasets folder beside some ancestor of the working directory, or null. */
    static Path sharedDatasets() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("datasets");
            if (Files.isDirectory(candidate)) return candidate;
        }
        return null;
    }

    private String canonicalContract() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/contract/clinic-a.breast.yaml")) {
            assertNotNull(in);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void breastHomoGuestReadsThroughTheCanonicalContract() throws Exception {
        Path data = sharedDatasets();
        assumeTrue(data != null && Files.isRegularFile(data.resolve("breast_homo_guest.csv")), "shared/datasets not found");
        String yaml = canonicalContract()
                .replace("../../../shared/datasets/breast_homo_guest.csv", "\"" + data.resolve("breast_homo_guest.csv") + "\"")
                .replace("features: [x0, x1]", "features: \"*\"");
        Path file = dir.resolve("clinic-a.breast.yaml");
        Files.writeString(file, yaml);

        DataContract c = ContractLoader.load(file);
        Dataset d = ProductReader.read(c);
        assertEquals(227, d.rows());
        assertEquals(30, d.cols());
        assertEquals(227, Set.of(d.keys()).size());
        assertEquals(227, ProductReader.validate(c));
        for (double y : d.y()) assertEquals(0.0, y * (1 - y), "labels are 0/1");
    }
}
