"""salesplan/regional."""
