-- The privacy budget ledger: what each differentially private run charged against each data
-- product it trained on. A run is charged its planned epsilon when it starts (PLANNED) and the
-- epsilon it actually spent when it ends (FINAL); a failed run keeps what it may have spent (FAILED).

CREATE TABLE privacy_ledger (
    run_id     VARCHAR(64) NOT NULL REFERENCES runs (id),
    product_id VARCHAR(200) NOT NULL,
    epsilon    DOUBLE PRECISION NOT NULL,
    delta      DOUBLE PRECISION NOT NULL,
    status     VARCHAR(16) NOT NULL CHECK (status IN ('PLANNED', 'FINAL', 'FAILED')),
    charged_at TIMESTAMP(9) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (run_id, product_id)
);
CREATE INDEX privacy_ledger_product ON privacy_ledger (product_id);
