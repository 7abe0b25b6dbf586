"""tix: a plain-text helpdesk whose tickets are Markdown files in git."""

__version__ = "0.1.0"
