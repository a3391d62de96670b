"""Build-time helpers of the gradref site (not part of the gradref package)."""
