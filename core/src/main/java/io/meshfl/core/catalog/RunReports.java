package io.meshfl.core.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.report.ReportPaths;
import io.meshfl.core.report.RunReport;

import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.Optional;

/**
 * The report of each run that ended (the JSON its submitter gets as report.json), kept in the
 * catalog so it can be read later by whoever may see the run. One per run: saving again replaces
 * it (a resumed run's end replaces what an earlier attempt left). What is stored carries no file
 * path of any machine ({@link ReportPaths}).
 */
public final class RunReports {

    private final Catalog catalog;

    public RunReports(Catalog catalog) {
        this.catalog = catalog;
    }

    /** Keeps {@code report} as run {@code runId}'s, without file paths; returns what was stored. */
    public JsonNode save(String runId, JsonNode report) {
        JsonNode stored = ReportPaths.strip(report);
        String json = stored.toString();
        catalog.transaction("SAVE report of run " + runId, c -> {
            Instant now = Instant.now();
            try (PreparedStatement up = c.prepareStatement("UPDATE run_reports SET report_json = ?, saved_at = ? WHERE run_id = ?")) {
                up.setString(1, json);
                up.setObject(2, Catalog.ts(now));
                up.setString(3, runId);
                if (up.executeUpdate() > 0) return null;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO run_reports (run_id, report_json, saved_at) VALUES (?, ?, ?)")) {
                ps.setString(1, runId);
                ps.setString(2, json);
                ps.setObject(3, Catalog.ts(now));
                ps.executeUpdate();
            }
            return null;
        });
        return stored;
    }

    /** Run {@code runId}'s report, if it ended with one. */
    public Optional<JsonNode> find(String runId) {
        Optional<String> text = catalog.transaction("SELECT report of run " + runId, c -> Catalog.first(Catalog.query(c,
                "SELECT report_json FROM run_reports WHERE run_id = ?", ps -> ps.setString(1, runId), rs -> rs.getString(1))));
        return text.map(t -> {
            try {
                return RunReport.JSON.readTree(t);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new MeshflException(ErrorCode.CATALOG_FAILURE, "the stored report of run " + runId + " is not JSON", e);
            }
        });
    }
}
