"""Print the mutant catalogue as markdown, measuring every catch:
``python -m tests.zoo [--jobs N] > docs/mutants.md`` (N processes; the output does not depend on N)."""
import argparse
import sys

from tests.zoo import zoo_markdown

if __name__ == "__main__":  # not in the process pool's workers, which import this module as __mp_main__
    parser = argparse.ArgumentParser(prog="python -m tests.zoo", description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="processes measuring the mutants (default 1)")
    sys.stdout.write(zoo_markdown(jobs=parser.parse_args().jobs))
