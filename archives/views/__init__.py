"""Pages of the archive stage, one module per area; each module lists its own URLs."""
