"""Page and table helpers shared by every parser."""
