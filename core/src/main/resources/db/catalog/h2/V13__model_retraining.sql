-- Retraining with champion and challenger: each time a model in production is trained again (a new
-- version of one of its input products, or its schedule), the challenger run, both held-out metrics,
-- the decision (promoted, rejected, needs approvals, failed) and why. An approval a challenger took
-- over from its champion (same products, same grants) names the champion it was carried from; its
-- signature is the one the owner made over the champion's statement.

ALTER TABLE model_approvals ADD COLUMN carried_from VARCHAR(64);

CREATE TABLE model_retrainings (
    id               VARCHAR(64) PRIMARY KEY,
    name             VARCHAR(200) NOT NULL,
    champion_id      VARCHAR(64) NOT NULL REFERENCES models (id),
    challenger_id    VARCHAR(64) REFERENCES models (id),
    run_id           VARCHAR(64),
    cause            VARCHAR(1000) NOT NULL,
    metric           VARCHAR(64) NOT NULL,
    margin           DOUBLE PRECISION NOT NULL,
    champion_value   DOUBLE PRECISION,
    challenger_value DOUBLE PRECISION,
    decision         VARCHAR(16) NOT NULL,
    reason           VARCHAR(2000) NOT NULL,
    started_at       TIMESTAMP(9) WITH TIME ZONE NOT NULL,
    decided_at       TIMESTAMP(9) WITH TIME ZONE
);

CREATE INDEX model_retrainings_name ON model_retrainings (name, started_at);
