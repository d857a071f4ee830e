"""workbook_templates."""
