"""Build time per engine: the staged project (`portfolio build [--engine]`) against the plugin
(`mkdocs build` on the dossier's own mkdocs.yml) and against a plain `mkdocs build` of the
same Markdown (no plugin, same theme).

For the sample dossier (`.`) and a generated dossier of 200 evidence pages, each variant runs
from cold caches (a fresh HOME and XDG_CACHE_HOME per run), alternated (A B C … A B C …);
wall and CPU (user + system of the process tree, the engine's process included),
median [min–max]. An engine that is not installed is left out.

    .venv/bin/python benchmarks/engine_speed.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import MKDOCS, PORTFOLIO, ROOT, Env, alternate, header, measure, ratio_line, row, scratch  # noqa: E402
from synth import make_dossier  # noqa: E402

ENGINES = [e for e in ("mkdocs", "properdocs", "zensical") if importlib.util.find_spec(e) is not None]


def plain_config(tmp: Path, name: str, docs: Path, theme: dict, extensions: list) -> Path:
    """The dossier's Markdown without the portfolio plugin (JSON is valid YAML)."""
    config = {"site_name": "Sans le plugin", "docs_dir": str(docs), "theme": theme, "markdown_extensions": extensions, "plugins": ["search"]}
    path = tmp / f"plain-{name}.yml"
    path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with scratch("bench-engines-") as tmp_name:
        tmp = Path(tmp_name)
        cold, _warm = Env.pair(tmp / "homes")
        large = make_dossier(tmp / "d200", 200, seed=3)
        dossiers = {
            "sample": (
                ROOT,
                plain_config(
                    tmp, "sample", ROOT / "sample_dnc" / "docs",
                    {"name": "material", "language": "fr", "features": ["navigation.sections", "navigation.indexes"]},
                    ["admonition", "attr_list", "tables", {"toc": {"permalink": True}}],
                ),
            ),
            "200 pages": (large, plain_config(tmp, "200", large / "docs", {"name": "material", "language": "fr"}, [])),
        }
        results = {}
        for label, (project, plain) in dossiers.items():
            variants = {"plain": lambda plain=plain: measure([*MKDOCS, "build", "-q", "-f", str(plain), "-d", str(tmp / "plain-site")], cold())}
            # The plugin as a user runs it (`mkdocs build` on the dossier's own mkdocs.yml):
            # `portfolio build` stages the dossier (the `--engine mkdocs` row, its default).
            variants["plugin"] = lambda project=project: measure(
                [*MKDOCS, "build", "-q", "-f", str(Path(project) / "mkdocs.yml"), "-d", str(tmp / "plugin-site")],
                cold(),
            )
            for engine in ENGINES:
                variants[engine] = lambda project=project, engine=engine: measure(
                    [*PORTFOLIO, "build", str(project), "-q", "--allow-dirty", "--engine", engine, "-d", str(tmp / f"{engine}-site")],
                    cold(),
                )
            results[label] = alternate(variants, args.repeat)
        cold.clean()
    for label, runs in results.items():
        header(f"engine_speed, {label}", args.repeat, cold)
        print(row("mkdocs build, no plugin", runs["plain"]))
        print(row("mkdocs build, with the plugin", runs["plugin"]))
        for engine in ENGINES:
            print(row(f"portfolio build --engine {engine}" + (" (the default)" if engine == "mkdocs" else ""), runs[engine]))
        for engine in ENGINES:
            print(ratio_line(f"--engine {engine} / plain", runs[engine], runs["plain"], 2.0, on="wall"))
        print(ratio_line("plugin / plain", runs["plugin"], runs["plain"], 2.0, on="wall"))


if __name__ == "__main__":
    main()
