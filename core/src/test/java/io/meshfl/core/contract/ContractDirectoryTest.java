package io.meshfl.core.contract;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ContractDirectoryTest {

    @Test
    void folderLoadingSkipsYamlThatIsNotAContract(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("p.csv"), "id,a,y\n1,0.5,1\n");
        Files.writeString(dir.resolve("p.yaml"), """
                apiVersion: v3.0.2
                kind: DataContract
                id: d.p
                version: 1.0.0
                domain: d
                dataProduct: p
                servers:
                  - {server: local, type: csv, path: p.csv}
                schema:
                  - name: p
                    properties:
                      - {name: id, logicalType: string, primaryKey: true}
                      - {name: a, logicalType: number}
                      - {name: y, logicalType: integer}
                meshfl: {entityKey: id, label: y}
                """);
        Files.writeString(dir.resolve("job.yaml"), "name: j\nproducts: [d.p]\nlabel: y\nmodel: {type: logistic}\n");
        var all = ContractLoader.loadDirectory(dir);
        assertEquals(1, all.size());
        assertEquals("d.p", all.get(0).id());
    }
}
