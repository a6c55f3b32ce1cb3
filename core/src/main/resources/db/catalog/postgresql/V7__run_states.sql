-- Runs may also end INTERRUPTED (their coordinator stopped while they ran) or CANCELLED (the reason
-- goes where a failed run keeps its error); nodes of an embedded mesh are ephemeral (removed when it closes).

ALTER TABLE runs DROP CONSTRAINT runs_status_check;
ALTER TABLE runs ADD CONSTRAINT runs_status_check CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'INTERRUPTED', 'CANCELLED'));
ALTER TABLE nodes ADD COLUMN ephemeral BOOLEAN DEFAULT FALSE NOT NULL;
