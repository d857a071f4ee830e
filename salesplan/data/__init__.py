"""salesplan/data."""
