"""Reports: column definitions and the DataFrames built from cost results."""
