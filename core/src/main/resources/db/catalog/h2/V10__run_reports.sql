-- Run reports: the report of every run that ended (succeeded, failed or cancelled: as far as it
-- got), as its submitter's report.json, kept so the API serves it later. One per run; a resumed
-- run's replaces any earlier one. No file path of any machine is stored in it.

CREATE TABLE run_reports (
    run_id      VARCHAR(64) PRIMARY KEY REFERENCES runs (id),
    report_json CLOB NOT NULL,
    saved_at    TIMESTAMP(9) WITH TIME ZONE NOT NULL
);
