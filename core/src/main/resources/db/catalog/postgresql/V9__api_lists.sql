-- The API pages its lists in the database: runs newest first (all of them, a submitter's, those in
-- one state, those over a domain's products) and models newest first, each read from an index in
-- the order it is shown, without touching the rows (whose plans and configurations are kilobytes).
-- A run's products carry the run's start and number, so the runs over some products are read from
-- one index of run_products; a run's start never changes once written.

ALTER TABLE run_products ADD COLUMN run_seq BIGINT;
ALTER TABLE run_products ADD COLUMN run_started_at TIMESTAMP WITH TIME ZONE;
UPDATE run_products SET run_seq = (SELECT r.seq FROM runs r WHERE r.id = run_products.run_id),
    run_started_at = (SELECT r.started_at FROM runs r WHERE r.id = run_products.run_id);
ALTER TABLE run_products ALTER COLUMN run_seq SET NOT NULL;
ALTER TABLE run_products ALTER COLUMN run_started_at SET NOT NULL;

CREATE INDEX runs_listed ON runs (started_at DESC, seq DESC);
CREATE INDEX runs_status_listed ON runs (status, started_at DESC, seq DESC);
CREATE INDEX runs_submitter_listed ON runs (submitter, started_at DESC, seq DESC, id);
CREATE INDEX runs_submitter_status_listed ON runs (submitter, status, started_at DESC, seq DESC);
CREATE INDEX run_products_listed ON run_products (product_id, run_started_at DESC, run_seq DESC, run_id);
CREATE INDEX models_listed ON models (created_at DESC, seq DESC, run_id);

-- How many audit records there are of each step, sender, receiver and protection, over all runs and
-- per submitter of their runs: kept as records are appended, so a filtered page of the audit log
-- says how many match without counting a million rows.
CREATE TABLE audit_tallies (
    step       VARCHAR(200) NOT NULL,
    sender     VARCHAR(200) NOT NULL,
    receiver   VARCHAR(200) NOT NULL,
    protection VARCHAR(200) NOT NULL,
    records    BIGINT NOT NULL,
    PRIMARY KEY (step, sender, receiver, protection)
);
INSERT INTO audit_tallies (step, sender, receiver, protection, records)
    SELECT step, sender, receiver, protection, COUNT(*) FROM audit_records GROUP BY step, sender, receiver, protection;

CREATE TABLE audit_submitter_tallies (
    submitter  VARCHAR(200) NOT NULL,
    step       VARCHAR(200) NOT NULL,
    sender     VARCHAR(200) NOT NULL,
    receiver   VARCHAR(200) NOT NULL,
    protection VARCHAR(200) NOT NULL,
    records    BIGINT NOT NULL,
    PRIMARY KEY (submitter, step, sender, receiver, protection)
);
INSERT INTO audit_submitter_tallies (submitter, step, sender, receiver, protection, records)
    SELECT r.submitter, a.step, a.sender, a.receiver, a.protection, COUNT(*) FROM audit_records a JOIN runs r ON r.id = a.run_id
    WHERE r.submitter IS NOT NULL GROUP BY r.submitter, a.step, a.sender, a.receiver, a.protection;

-- Who submitted each audit record's run, kept beside the record (a run's submitter never changes), so
-- a client's audit is read newest first from one index however far back its runs are.
ALTER TABLE audit_records ADD COLUMN submitter VARCHAR(200);
UPDATE audit_records SET submitter = (SELECT r.submitter FROM runs r WHERE r.id = audit_records.run_id) WHERE run_id IS NOT NULL;
CREATE INDEX audit_records_submitter ON audit_records (submitter DESC, seq DESC);
