-- The MeshFL version each node registered with, for the operator's view of the mesh (mixed versions
-- during an upgrade). Null for a node that said none.

ALTER TABLE nodes ADD COLUMN version VARCHAR(64);
