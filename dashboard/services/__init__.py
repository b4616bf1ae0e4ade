"""Services own queries and writes; they know nothing of HTTP."""
