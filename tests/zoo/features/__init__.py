"""Mutants of the feature engineering (scikit-learn transformers) family, a module per topic."""
