"""`python build.py …` is the same as `hoso build …` (interface.md)."""

import sys

from pipeline.cli import main

if __name__ == "__main__":
    main(["build", *sys.argv[1:]])
