-- Tamper-evident audit and ledgers. Every audit record and ledger entry carries the hash of the
-- one before it (SHA-256 over the previous hash and the record's fields), so deleting, inserting
-- or editing a row breaks the chain from there on. The chain heads are kept in chain_heads (one
-- row per chain, locked while appending) and sealed at the end of every run in chain_seals,
-- signed with the coordinator's certificate key. Rows of the old audit_log and privacy_ledger
-- tables are moved into the chains, in their order, the first time the catalog opens after this
-- migration (their hashes cannot be computed in SQL).

CREATE TABLE audit_records (
    seq        BIGINT PRIMARY KEY,
    logged_at  TIMESTAMP(9) WITH TIME ZONE NOT NULL,
    job_id     VARCHAR(64),
    run_id     VARCHAR(64),
    step       VARCHAR(200) NOT NULL,
    sender     VARCHAR(200) NOT NULL,
    receiver   VARCHAR(200) NOT NULL,
    msg_seq    BIGINT NOT NULL,
    byte_count BIGINT NOT NULL,
    protection VARCHAR(200) NOT NULL,
    prev_hash  CHAR(64) NOT NULL,
    row_hash   CHAR(64) NOT NULL
);
CREATE INDEX audit_records_run ON audit_records (run_id, seq);

-- Append-only: a run's planned charge, then its final (or failed) figure as a second entry; what a
-- run spent is its latest entry.
CREATE TABLE ledger_entries (
    seq        BIGINT PRIMARY KEY,
    run_id     VARCHAR(64) NOT NULL,
    product_id VARCHAR(200) NOT NULL,
    epsilon    DOUBLE PRECISION NOT NULL,
    delta      DOUBLE PRECISION NOT NULL,
    status     VARCHAR(16) NOT NULL CHECK (status IN ('PLANNED', 'FINAL', 'FAILED')),
    charged_at TIMESTAMP(9) WITH TIME ZONE NOT NULL,
    prev_hash  CHAR(64) NOT NULL,
    row_hash   CHAR(64) NOT NULL
);
CREATE INDEX ledger_entries_product ON ledger_entries (product_id, run_id, seq);

CREATE TABLE chain_heads (
    chain     VARCHAR(16) PRIMARY KEY,
    head_seq  BIGINT NOT NULL,
    head_hash CHAR(64) NOT NULL
);
INSERT INTO chain_heads (chain, head_seq, head_hash) VALUES
    ('audit', 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    ('ledger', 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    ('seal', 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- One seal per ended run: the heads of both chains at that moment and a digest of the run's own
-- record, chained to the previous seal and signed by the coordinator (signature empty on a
-- plaintext trial mesh, which has no key).
CREATE TABLE chain_seals (
    seq         BIGINT PRIMARY KEY,
    run_id      VARCHAR(64) NOT NULL,
    sealed_at   TIMESTAMP(9) WITH TIME ZONE NOT NULL,
    audit_seq   BIGINT NOT NULL,
    audit_hash  CHAR(64) NOT NULL,
    ledger_seq  BIGINT NOT NULL,
    ledger_hash CHAR(64) NOT NULL,
    run_digest  CHAR(64) NOT NULL,
    prev_hash   CHAR(64) NOT NULL,
    row_hash    CHAR(64) NOT NULL,
    signer      VARCHAR(200) NOT NULL,
    certificate CLOB,
    signature   VARCHAR(1024)
);
CREATE INDEX chain_seals_run ON chain_seals (run_id);

-- Who submitted a run and under which signed ticket; the nonce is unique, so a ticket runs once.
ALTER TABLE runs ADD COLUMN submitter VARCHAR(200);
ALTER TABLE runs ADD COLUMN nonce VARCHAR(64);
ALTER TABLE runs ADD COLUMN ticket_sha256 CHAR(64);
CREATE UNIQUE INDEX runs_nonce ON runs (nonce);

-- Which nodes failed in a round and why (a node dropped for a revoked certificate, a timeout, ...).
ALTER TABLE run_rounds ADD COLUMN failures_json CLOB;
