-- Cost-model constants of this machine: one row per fit, from a calibration grid and/or the
-- run log (predicted against actual seconds of joined runs). The planner uses the newest row.

CREATE TABLE cost_models (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source       VARCHAR(40) NOT NULL,
    dense_s      DOUBLE PRECISION NOT NULL,
    join_s       DOUBLE PRECISION NOT NULL,
    index_s      DOUBLE PRECISION NOT NULL,
    row_s        DOUBLE PRECISION NOT NULL,
    samples      INT NOT NULL,
    loo_accuracy DOUBLE PRECISION,
    fitted_at    TIMESTAMP(9) WITH TIME ZONE NOT NULL
);
