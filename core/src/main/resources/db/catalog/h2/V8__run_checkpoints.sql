-- Durable runs: each round of a resumable run is committed with what its coordinator needs to go
-- on from there (the latest one per run, replaced in the round's own transaction), and every
-- time a run is resumed, from which round, is kept beside it.

CREATE TABLE run_checkpoints (
    run_id   VARCHAR(64) PRIMARY KEY REFERENCES runs (id),
    round_no INT NOT NULL,
    state    BLOB NOT NULL,
    saved_at TIMESTAMP(9) WITH TIME ZONE NOT NULL
);

CREATE TABLE run_resumes (
    run_id     VARCHAR(64) NOT NULL REFERENCES runs (id),
    attempt    INT NOT NULL,
    from_round INT NOT NULL,
    resumed_at TIMESTAMP(9) WITH TIME ZONE NOT NULL,
    note       VARCHAR(2000),
    PRIMARY KEY (run_id, attempt)
);
