"""The coach: an open-source AI training coach."""
