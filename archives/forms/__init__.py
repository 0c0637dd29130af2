"""Forms of the archive stage, one module per area."""
