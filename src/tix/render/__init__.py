"""Output formats for the CLI."""
