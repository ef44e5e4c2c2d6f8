"""XLSX readers with per-row validation (nothing is saved unless every row is valid)."""
