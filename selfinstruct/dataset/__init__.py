"""What is done with a finished dataset: export to training formats, the leak-free split, the
dataset card, statistics and the report, validate, show and dedup."""
