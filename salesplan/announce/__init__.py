"""salesplan/announce."""
