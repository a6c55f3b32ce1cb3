-- The model registry: every stored model is one version of a named model, with an owner (who
-- submitted its job) and a stage (candidate, approved, production, retired); the signed approvals
-- of the owners of the products it learned from; every change of stage, in order; and, once
-- promoted, the contract of its output port, published for other domains to discover.

CREATE TABLE model_registry (
    model_id        VARCHAR(64) PRIMARY KEY REFERENCES models (id),
    name            VARCHAR(200) NOT NULL,
    version         INT NOT NULL,
    owner           VARCHAR(200) NOT NULL,
    stage           VARCHAR(16) NOT NULL,
    output_contract CLOB,
    updated_at      TIMESTAMP(9) WITH TIME ZONE NOT NULL,
    UNIQUE (name, version)
);

CREATE TABLE model_approvals (
    model_id           VARCHAR(64) NOT NULL REFERENCES models (id),
    product_id         VARCHAR(200) NOT NULL,
    product_version    VARCHAR(64) NOT NULL,
    contract_sha256    VARCHAR(64) NOT NULL,
    approver           VARCHAR(200) NOT NULL,
    certificate_sha256 VARCHAR(64) NOT NULL,
    signature          CLOB NOT NULL,
    approved_at        TIMESTAMP(9) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (model_id, product_id)
);

CREATE TABLE model_stages (
    model_id VARCHAR(64) NOT NULL REFERENCES models (id),
    seq      INT NOT NULL,
    stage    VARCHAR(16) NOT NULL,
    actor    VARCHAR(200) NOT NULL,
    reason   VARCHAR(1000),
    at       TIMESTAMP(9) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (model_id, seq)
);
