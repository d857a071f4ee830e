"""Reading .xlsx files: the preflight every untrusted file passes, and the readers."""
