"""The helpdesk on disk: files, git, the derived index, configuration."""
