package io.meshfl.core.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ReportPathsTest {

    @Test
    void absolutePathsInTextsAreCutToTheirLastPartAndOtherSlashesStay() {
        assertEquals("credit.yaml: products: d9.loans is unknown", ReportPaths.strip("/home/ana/jobs/credit.yaml: products: d9.loans is unknown"));
        assertEquals("node lost reading accounts.csv (gone)", ReportPaths.strip("node lost reading /srv/lending/data/accounts.csv (gone)"));
        assertEquals("in 'job.yaml'", ReportPaths.strip("in '/tmp/junit123/job.yaml'"));
        assertEquals("see credit.yaml and notes.txt", ReportPaths.strip("see ~/jobs/credit.yaml and file:///var/tmp/notes.txt"));
        assertEquals("from job.yaml, then x.csv", ReportPaths.strip("from C:\\Users\\ana\\job.yaml, then D:/data/x.csv"));
        assertEquals("wrote to out", ReportPaths.strip("wrote to /var/lib/meshfl/out/"));
        for (String kept : new String[]{"horizontal/train", "wire bytes / parameter bytes", "see https://meshfl.io/problems/x", "1/2 of nodes",
                "catalog:job 7", "/", "a ratio of /x"}) {
            assertEquals(kept, ReportPaths.strip(kept));
        }
    }

    @Test
    void aReportsJobFileIsNamedByItsFileAndEveryNestedTextIsStrippedWithoutChangingTheOriginal() {
        ObjectNode report = RunReport.JSON.createObjectNode().put("run_id", "run-1").put("error", "FAILED at /opt/mesh/run/x.bin");
        report.putObject("provenance").put("job_file", "jobs/credit.yaml").put("rounds", 3);
        report.putArray("history").addObject().putArray("failures").addObject().put("reason", "cannot read /data/d0.csv");
        JsonNode stripped = ReportPaths.strip(report);
        assertEquals("credit.yaml", stripped.path("provenance").path("job_file").asText());
        assertEquals(3, stripped.path("provenance").path("rounds").asInt());
        assertEquals("FAILED at x.bin", stripped.path("error").asText());
        assertEquals("cannot read d0.csv", stripped.path("history").get(0).path("failures").get(0).path("reason").asText());
        assertEquals("jobs/credit.yaml", report.path("provenance").path("job_file").asText(), "the report itself is left as it was");
    }
}
