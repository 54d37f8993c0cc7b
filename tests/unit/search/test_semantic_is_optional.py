"""The base install stays small: nothing of the semantic extra (torch, sentence-transformers)
is imported by the app, the search or the indexer until a text is actually encoded, so a
server without the extra (or with it switched off) never pays for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_the_app_and_search_do_not_import_torch(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from sharewell.app import create_app\n"
        "from sharewell.config import Settings\n"
        "import sharewell.search.queries, sharewell.search.indexing, sharewell.cli.main\n"
        "create_app(Settings(env='test', data_dir=sys.argv[1], secret_key='k' * 48))\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'sentence_transformers', 'transformers'))\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
