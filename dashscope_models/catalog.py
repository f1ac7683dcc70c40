"""Print the model catalog as a Markdown table: ``python -m dashscope_models.catalog``."""

from __future__ import annotations

import sys

from dashscope_models._catalog import catalog_markdown

if __name__ == "__main__":
    sys.stdout.write(catalog_markdown())
