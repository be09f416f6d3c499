"""What a batch writes from the run's records: class statistics (`stats`), what a regrade changed (`diff`),
a TA's decisions (`overrides`), the CSVs (`tables`), report.html (`report`, `templates/`) and the terminal's
progress and summary (`progress`). Imports `run` and `intake`, never the other way.
"""
