"""Print the mutant catalogue as markdown, measuring every catch: ``python -m tests.zoo > docs/mutants.md``."""
import sys

from tests.zoo import zoo_markdown

sys.stdout.write(zoo_markdown())
