-- The measured cost of encrypted (Paillier) work on this machine, beside the cost-model constants:
-- seconds per row and model coefficient of one vertical training pass with 1024-bit keys. Null
-- for fits stored before it was measured; the planner then uses the reference machine's.

ALTER TABLE cost_models ADD COLUMN encrypted_s DOUBLE PRECISION;
