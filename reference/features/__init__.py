"""Feature engineering with scikit-learn's transformer API: preprocessing, selection, reduction (issue 11)."""
