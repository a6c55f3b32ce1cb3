package io.meshfl.core.data;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.ContractFixtures;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.meshfl.core.contract.ContractFixtures.CONTRACT;
import static io.meshfl.core.contract.ContractFixtures.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A product kept in several files (regions, parts): every file is read, checked and counted, none is left out. */
class ManyFilesTest {

    private static final String HEADER = "id,y,x0,x1,ssn,age\n";
    private static final String NORTH = HEADER + "a,1,0.5,1.5,111,40\nb,0,-1.0,2.5,222,50\n";
    private static final String SOUTH = HEADER + "c,1,2.0,3.5,333,60\nd,0,1.0,0.5,444,30\ne,1,3.0,1.0,555,20\n";

    @TempDir
    Path dir;

    private DataContract contract(String server) throws Exception {
        Files.createDirectories(dir.resolve("regions"));
        Files.writeString(dir.resolve("regions/part-north.csv"), NORTH);
        Files.writeString(dir.resolve("regions/part-south.csv"), SOUTH);
        return ContractLoader.load(ContractFixtures.write(dir, with(CONTRACT, "    path: data.csv", server), null));
    }

    @Test
    void aListOfFilesAndAGlobReadEveryRowOfEveryFileCountedPerFile() throws Exception {
        DataContract listed = contract("    paths: [regions/part-north.csv, regions/part-south.csv]");
        Dataset d = ProductReader.read(listed);
        assertEquals(5, d.rows());
        assertEquals(List.of("a", "b", "c", "d", "e"), List.of(d.keys()));
        assertEquals(List.of(2L, 3L), ProductReader.rowsPerFile(listed));
        assertEquals(5, ProductReader.count(listed));

        DataContract glob = contract("    path: regions/part-*.csv");
        assertEquals(5, ProductReader.read(glob).rows());
        assertEquals(List.of(2L, 3L), ProductReader.rowsPerFile(glob), "a glob's files in name order");
    }

    @Test
    void aFileMissingAColumnOrHoldingABadCellIsNamedByItsPlaceWithoutItsPath() throws Exception {
        DataContract c = contract("    paths: [regions/part-north.csv, regions/part-south.csv]");
        Files.writeString(dir.resolve("regions/part-south.csv"), SOUTH.replace(",age", "").replaceAll(",(20|30|60)\n", "\n"));
        MeshflException missing = assertThrows(MeshflException.class, () -> ProductReader.read(c));
        assertEquals(ErrorCode.DATA_MISSING_COLUMN, missing.code());
        assertTrue(missing.getMessage().contains("column 'age'") && missing.getMessage().contains("file 2 of its 2"), missing.getMessage());
        assertFalse(missing.getMessage().contains("part-south"), "no path crosses: " + missing.getMessage());
        assertTrue(missing.localDetail().contains("part-south.csv"), missing.localDetail());

        Files.writeString(dir.resolve("regions/part-south.csv"), SOUTH.replace("d,0,1.0,0.5", "d,0,oops,0.5"));
        MeshflException bad = assertThrows(MeshflException.class, () -> ProductReader.read(c));
        assertTrue(bad.getMessage().contains("line 3 of file 2 of 2"), bad.getMessage());
        assertFalse(bad.getMessage().contains("oops"), "no cell value crosses: " + bad.getMessage());
    }

    @Test
    void aSecondServerAnEmptyGlobAndBothPathAndPathsAreContractErrors() throws Exception {
        MeshflException two = assertThrows(MeshflException.class, () -> contract("    path: regions/part-north.csv\n"
                + "  - server: other\n    type: csv\n    path: regions/part-south.csv"));
        assertTrue(two.getMessage().contains("servers[1]: MeshFL reads a product from one server"), two.getMessage());
        MeshflException none = assertThrows(MeshflException.class, () -> contract("    path: regions/east-*.csv"));
        assertEquals(ErrorCode.CONTRACT_FILE_MISSING, none.code());
        assertTrue(none.getMessage().contains("east-*.csv"), none.getMessage());
        MeshflException both = assertThrows(MeshflException.class, () -> contract("    path: data.csv\n"
                + "    paths: [regions/part-north.csv]"));
        assertTrue(both.getMessage().contains("give either path or paths"), both.getMessage());
    }
}
