"""What people type into the plan workbook: the input specification and the words it accepts."""
