"""What each command computes, as plain data; no printing here."""
