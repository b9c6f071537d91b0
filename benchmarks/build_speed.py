"""Site build speed: the plugin's overhead, and linear growth with the dossier.

1. `portfolio build` of the sample dossier against a plain `mkdocs build` of the
   same Markdown without the plugin (same theme and extensions). Target <= 1.3x.
2. Synthetic dossiers of 100 and 400 evidence pages. Target: the 4x larger one
   takes <= 4.4x the time (linear growth: the nav is structured and pruned).

    .venv/bin/python benchmarks/build_speed.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import MKDOCS, PORTFOLIO, ROOT, median_time, verdict  # noqa: E402
from synth import make_dossier  # noqa: E402


def plain_config(tmp: Path) -> Path:
    """The sample's mkdocs.yml without the portfolio plugin (JSON is valid YAML)."""
    config = {
        "site_name": "Dossier (sans le plugin)",
        "docs_dir": str(ROOT / "sample_dnc" / "docs"),
        "theme": {"name": "material", "language": "fr", "features": ["navigation.sections", "navigation.indexes"]},
        "markdown_extensions": ["admonition", "attr_list", "tables", {"toc": {"permalink": True}}],
        "plugins": ["search"],
    }
    path = tmp / "plain.yml"
    path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp_name:
        tmp = Path(tmp_name)
        plain = median_time([*MKDOCS, "build", "-q", "-f", str(plain_config(tmp)), "-d", str(tmp / "plain-site")], args.repeat)
        ours = median_time([*PORTFOLIO, "build", str(ROOT), "-q", "-d", str(tmp / "sample-site")], args.repeat)
        small = make_dossier(tmp / "d100", 100, seed=1)
        large = make_dossier(tmp / "d400", 400, seed=2)
        t100 = median_time([*PORTFOLIO, "build", str(small), "-q", "-d", str(tmp / "s100")], args.repeat)
        t400 = median_time([*PORTFOLIO, "build", str(large), "-q", "-d", str(tmp / "s400")], args.repeat)
    overhead = ours / plain
    growth = t400 / t100
    print(f"build_speed: median of {args.repeat} runs (wall time, including Python start-up)")
    print(f"  mkdocs build, sample, no plugin    {plain:7.2f} s")
    print(f"  portfolio build, sample            {ours:7.2f} s")
    print(f"  ratio portfolio / plain            {overhead:7.2f}x   (target <= 1.3x: {verdict(overhead <= 1.3)})")
    print(f"  portfolio build, 100 evidence      {t100:7.2f} s")
    print(f"  portfolio build, 400 evidence      {t400:7.2f} s")
    print(f"  ratio 400 / 100                    {growth:7.2f}x   (target <= 4.4x: {verdict(growth <= 4.4)})")


if __name__ == "__main__":
    main()
