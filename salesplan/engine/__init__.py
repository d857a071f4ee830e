"""salesplan/engine."""
