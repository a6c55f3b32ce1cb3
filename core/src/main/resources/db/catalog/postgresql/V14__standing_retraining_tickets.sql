-- Standing retraining tickets: what a job's submitter signed, beside the job, to let its model be
-- retrained as a challenger without a fresh ticket: the job (spec SHA-256, strategy, products), a
-- nonce, and until when. Kept per job, so a coordinator that holds no key of the owner can present
-- it to the nodes, which each check it and allow one run per new version of their products; a
-- challenger's job keeps the ticket its champion's job had.

CREATE TABLE retrain_tickets (
    job_id        VARCHAR(64) PRIMARY KEY REFERENCES jobs (id),
    submitter     VARCHAR(200) NOT NULL,
    nonce         VARCHAR(64) NOT NULL,
    fingerprint   VARCHAR(64) NOT NULL,
    valid_until   TIMESTAMP WITH TIME ZONE NOT NULL,
    signed_ticket TEXT NOT NULL,
    armed_at      TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX retrain_tickets_nonce ON retrain_tickets (nonce);
