"""Is a candidate fit and new: filters (each names its reason), the ordered screening state of
a run, and the exact ROUGE-L near-duplicate index with its compiled kernels."""
