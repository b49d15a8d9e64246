"""`python build.py …` is the same as `hoso build …` (interface.md)."""

import sys

from pipeline.cli import entry

if __name__ == "__main__":
    sys.argv[1:1] = ["build"]
    entry()
