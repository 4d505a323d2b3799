"""Feature-engineering topics: scikit-learn's transformers, score functions and LDA (issue 11)."""
