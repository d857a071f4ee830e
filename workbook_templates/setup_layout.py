"""设置's layout: its columns (values, keys, hidden mirrors and checks), fixed rows, and how many
blank rows each table offers for the director to add an entry. Shared by the sheet's builder
(setup_sheet, setup_tables) and the reader (setup_read)."""

C_LABEL, C_VAL, C_MARK, C_NOTE = 1, 2, 3, 4
C_KEY, C_CHANGED, C_MIRROR0 = 12, 13, 14     # mirror of column c lives in C_MIRROR0 + c
C_PPM = C_MIRROR0 + 13                          # hidden: tier start and rate in ppm (the formulas' integers)
C_CHECK = C_PPM + 2                             # hidden: the row's settings check (message, or "") and its row
R_CHECK_BANNER, R_HEADER = 5, 6
# config keys whose loader minimum is above the kind's (the live check says the same as `config --check`)
MINIMUM = {"weights.score_max": 1, "risks.missed_weeks": 1, "targets.revenue": 1, "targets.new_customers": 1,
           "targets.average_order_value": 1, "kpis.cap": 1}
EXTRA_ROWS = {"products": 3, "regions": 2, "kpis": 2, "tiers": 2, "extra_holidays": 8, "extra_workdays": 6}
