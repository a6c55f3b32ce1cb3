-- The federated-governance catalog: domains, data products with contract versions, nodes,
-- jobs, runs with their rounds and products, models with provenance, and the audit log.

CREATE TABLE domains (
    name          VARCHAR(200) PRIMARY KEY,
    owner         VARCHAR(500) NOT NULL,
    registered_at TIMESTAMP(9) WITH TIME ZONE NOT NULL
);

-- One row per (product, contract version); a contract never changes under the same version.
CREATE TABLE products (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id              VARCHAR(200) NOT NULL,
    version         VARCHAR(100) NOT NULL,
    domain          VARCHAR(200) NOT NULL,
    contract_yaml   CLOB NOT NULL,
    contract_sha256 CHAR(64) NOT NULL,
    registered_at   TIMESTAMP(9) WITH TIME ZONE NOT NULL,
    row_count       INT DEFAULT -1 NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE nodes (
    node_id        VARCHAR(200) PRIMARY KEY,
    domain         VARCHAR(200) NOT NULL,
    address        VARCHAR(500) NOT NULL,
    status         VARCHAR(16) NOT NULL CHECK (status IN ('ACTIVE', 'LOST', 'STOPPED')),
    status_reason  VARCHAR(2000),
    last_heartbeat TIMESTAMP(9) WITH TIME ZONE NOT NULL,
    registered_at  TIMESTAMP(9) WITH TIME ZONE NOT NULL
);

CREATE TABLE jobs (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id           VARCHAR(64) PRIMARY KEY,
    name         VARCHAR(500) NOT NULL,
    spec_yaml    CLOB NOT NULL,
    submitted_at TIMESTAMP(9) WITH TIME ZONE NOT NULL,
    status       VARCHAR(32) NOT NULL
);

CREATE TABLE runs (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id             VARCHAR(64) PRIMARY KEY,
    job_id         VARCHAR(64) NOT NULL REFERENCES jobs (id),
    strategy       VARCHAR(200) NOT NULL,
    plan_json      CLOB,
    config_json    CLOB,
    seed           BIGINT NOT NULL,
    status         VARCHAR(16) NOT NULL CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
    started_at     TIMESTAMP(9) WITH TIME ZONE NOT NULL,
    ended_at       TIMESTAMP(9) WITH TIME ZONE,
    bytes_sent     BIGINT DEFAULT 0 NOT NULL,
    bytes_received BIGINT DEFAULT 0 NOT NULL,
    metrics_json   CLOB,
    error          CLOB,
    products_csv   CLOB NOT NULL
);
CREATE INDEX runs_job ON runs (job_id);

-- The exact contract version each run read, so a later contract bump does not rewrite history.
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
    metrics_json   CLOB,
    PRIMARY KEY (run_id, round_no)
);

CREATE TABLE models (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id              VARCHAR(64) PRIMARY KEY,
    run_id          VARCHAR(64) REFERENCES runs (id),
    model_type      VARCHAR(100) NOT NULL,
    num_params      INT NOT NULL,
    params          BLOB NOT NULL,
    provenance_json CLOB,
    created_at      TIMESTAMP(9) WITH TIME ZONE NOT NULL
);
CREATE INDEX models_run ON models (run_id);

-- Append-only: one row per message that crossed a domain boundary.
CREATE TABLE audit_log (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    logged_at  TIMESTAMP(9) WITH TIME ZONE NOT NULL,
    job_id     VARCHAR(64),
    run_id     VARCHAR(64),
    step       VARCHAR(200) NOT NULL,
    sender     VARCHAR(200) NOT NULL,
    receiver   VARCHAR(200) NOT NULL,
    byte_count BIGINT NOT NULL,
    protection VARCHAR(200) NOT NULL
);
CREATE INDEX audit_log_run ON audit_log (run_id, seq);
