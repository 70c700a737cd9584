"""Group commit: commands that arrive together are decided and saved together."""
