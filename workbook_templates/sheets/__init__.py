"""The sheets that react to what people type, one module per sheet.

Everything live is a native formula (Excel 2016 / LibreOffice 7.4 functions only: no LET,
FILTER, XLOOKUP, MAXIFS). Each module's formulas must agree with the actuals module it
names (the LibreOffice recalculation test compares every cell).
"""
