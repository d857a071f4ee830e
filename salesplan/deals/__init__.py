"""salesplan/deals."""
