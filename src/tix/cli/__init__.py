"""The command line (Typer): parse, call one service, render."""
