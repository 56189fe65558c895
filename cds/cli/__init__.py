"""The `cds` command."""
