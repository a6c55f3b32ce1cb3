-- The catalog on PostgreSQL, as the embedded catalog stands after its migrations V1..V6 (see
-- db/catalog/h2): domains, data products with contract versions, nodes, jobs, runs with their
-- rounds and products, models with provenance, mesh integrations, cost-model constants, and the
-- tamper-evident chains (audit records, privacy-ledger entries, run seals) with their heads.
-- Later migrations are written for both databases, one file in each folder under one version.

CREATE TABLE domains (
    name          VARCHAR(200) PRIMARY KEY,
    owner         VARCHAR(500) NOT NULL,
    registered_at TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE products (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id              VARCHAR(200) NOT NULL,
    version         VARCHAR(100) NOT NULL,
    domain          VARCHAR(200) NOT NULL,
    contract_yaml   TEXT NOT NULL,
    contract_sha256 CHAR(64) NOT NULL,
    registered_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    row_count       INT DEFAULT -1 NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE nodes (
    node_id        VARCHAR(200) PRIMARY KEY,
    domain         VARCHAR(200) NOT NULL,
    address        VARCHAR(500) NOT NULL,
    status         VARCHAR(16) NOT NULL CHECK (status IN ('ACTIVE', 'LOST', 'STOPPED')),
    status_reason  VARCHAR(2000),
    last_heartbeat TIMESTAMP WITH TIME ZONE NOT NULL,
    registered_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE jobs (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id           VARCHAR(64) PRIMARY KEY,
    name         VARCHAR(500) NOT NULL,
    spec_yaml    TEXT NOT NULL,
    submitted_at TIMESTAMP WITH TIME ZONE NOT NULL,
    status       VARCHAR(32) NOT NULL
);

CREATE TABLE runs (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id             VARCHAR(64) PRIMARY KEY,
    job_id         VARCHAR(64) NOT NULL REFERENCES jobs (id),
    strategy       VARCHAR(200) NOT NULL,
    plan_json      TEXT,
    config_json    TEXT,
    seed           BIGINT NOT NULL,
    status         VARCHAR(16) NOT NULL CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
    started_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    ended_at       TIMESTAMP WITH TIME ZONE,
    bytes_sent     BIGINT DEFAULT 0 NOT NULL,
    bytes_received BIGINT DEFAULT 0 NOT NULL,
    metrics_json   TEXT,
    error          TEXT,
    products_csv   TEXT NOT NULL,
    submitter      VARCHAR(200),
    nonce          VARCHAR(64),
    ticket_sha256  CHAR(64)
);
CREATE INDEX runs_job ON runs (job_id);
CREATE UNIQUE INDEX runs_nonce ON runs (nonce);

CREATE TABLE run_products (
    run_id          VARCHAR(64) NOT NULL REFERENCES runs (id),
    product_id      VARCHAR(200) NOT NULL,
    product_version VARCHAR(100) NOT NULL,
    position        INT NOT NULL,
    PRIMARY KEY (run_id, product_id),
    FOREIGN KEY (product_id, product_version) REFERENCES products (id, version)
);
CREATE INDEX run_products_product ON run_products (product_id);

CREATE TABLE run_rounds (
    run_id         VARCHAR(64) NOT NULL REFERENCES runs (id),
    round_no       INT NOT NULL,
    seconds        DOUBLE PRECISION NOT NULL,
    bytes_sent     BIGINT NOT NULL,
    bytes_received BIGINT NOT NULL,
    nodes_ok       INT NOT NULL,
    nodes_failed   INT NOT NULL,
    metrics_json   TEXT,
    failures_json  TEXT,
    PRIMARY KEY (run_id, round_no)
);

CREATE TABLE models (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id              VARCHAR(64) PRIMARY KEY,
    run_id          VARCHAR(64) REFERENCES runs (id),
    model_type      VARCHAR(100) NOT NULL,
    num_params      INT NOT NULL,
    params          BYTEA NOT NULL,
    provenance_json TEXT,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX models_run ON models (run_id);

CREATE TABLE integrations (
    seq              BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id               VARCHAR(200) NOT NULL,
    version          VARCHAR(100) NOT NULL,
    integration_yaml TEXT NOT NULL,
    yaml_sha256      CHAR(64) NOT NULL,
    registered_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE cost_models (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source       VARCHAR(40) NOT NULL,
    dense_s      DOUBLE PRECISION NOT NULL,
    join_s       DOUBLE PRECISION NOT NULL,
    index_s      DOUBLE PRECISION NOT NULL,
    row_s        DOUBLE PRECISION NOT NULL,
    samples      INT NOT NULL,
    loo_accuracy DOUBLE PRECISION,
    fitted_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    encrypted_s  DOUBLE PRECISION
);

CREATE TABLE audit_records (
    seq        BIGINT PRIMARY KEY,
    logged_at  TIMESTAMP WITH TIME ZONE NOT NULL,
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

CREATE TABLE ledger_entries (
    seq        BIGINT PRIMARY KEY,
    run_id     VARCHAR(64) NOT NULL,
    product_id VARCHAR(200) NOT NULL,
    epsilon    DOUBLE PRECISION NOT NULL,
    delta      DOUBLE PRECISION NOT NULL,
    status     VARCHAR(16) NOT NULL CHECK (status IN ('PLANNED', 'FINAL', 'FAILED')),
    charged_at TIMESTAMP WITH TIME ZONE NOT NULL,
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

CREATE TABLE chain_seals (
    seq         BIGINT PRIMARY KEY,
    run_id      VARCHAR(64) NOT NULL,
    sealed_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    audit_seq   BIGINT NOT NULL,
    audit_hash  CHAR(64) NOT NULL,
    ledger_seq  BIGINT NOT NULL,
    ledger_hash CHAR(64) NOT NULL,
    run_digest  CHAR(64) NOT NULL,
    prev_hash   CHAR(64) NOT NULL,
    row_hash    CHAR(64) NOT NULL,
    signer      VARCHAR(200) NOT NULL,
    certificate TEXT,
    signature   VARCHAR(1024)
);
CREATE INDEX chain_seals_run ON chain_seals (run_id);
