"""Small implementations built for the tests, in the shape real code takes: partial (one metric, one
prediction type), or with one realistic defect.  Not mutants of the reference: each is written from scratch
the way a user of the suite would write it, and each test says what it must show."""
