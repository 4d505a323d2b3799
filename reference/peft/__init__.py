"""Reference implementations of parameter-efficient fine-tuning on a tiny causal transformer of our own."""
