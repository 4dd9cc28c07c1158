"""Documents as sources: read the user's files, chunk them, and hand one chunk to each unit."""
