-- Mesh integrations: how data products combine into one training table. One row per
-- (integration, version); a registered version never changes, a new version sits beside it.

CREATE TABLE integrations (
    seq              BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id               VARCHAR(200) NOT NULL,
    version          VARCHAR(100) NOT NULL,
    integration_yaml CLOB NOT NULL,
    yaml_sha256      CHAR(64) NOT NULL,
    registered_at    TIMESTAMP(9) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id, version)
);
