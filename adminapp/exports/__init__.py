"""Spreadsheet writers: streaming, constant memory, formula-safe."""
