"""A seeded, stratified sample of mutmut's mutants: the same fraction of every module.

A run over every guard module is about 15k mutants, hours on two cores; a sample drawn the
same way from each module gives the score per area and overall with a known error
(docs/testing.md, "Mutation testing"). Run after `mutmut run` generated the mutants (the
`mutants/**/*.py.meta` files), from the checkout:

    .venv/bin/python -m benchmarks.mutation_sample --fraction 0.2 --seed 21 > sample.txt
    .venv/bin/mutmut run --max-children 2 $(cat sample.txt)

`--counts` prints the mutants per module and per area instead. `--score sample.txt` reads
the results mutmut recorded for the sampled names and prints the score per area (with the
95% Wilson interval); `--survivors sample.txt` lists the sampled mutants not killed.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

MUTANTS = Path("mutants")
AREAS = {
    "components/model/checks/": "model checks",
    "components/model/": "model",
    "components/stackfile/": "stack-file reader",
    "components/host/": "host engine",
    "scripts/state/": "state checks",
}
# mutmut's exit codes (mutmut/stats.py): a timeout counts as caught, as in mutmut's own score.
KINDS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests"}
KINDS |= dict.fromkeys((36, 24, -24, 152, 255), "timeout")


def area(module: str) -> str:
    """The area of a module path (`components/host/plan.py`): the first prefix it has."""
    return next((name for prefix, name in AREAS.items() if module.startswith(prefix)), "other")


def mutants_by_module(root: Path = MUTANTS) -> dict[str, list[str]]:
    """Every mutant name, by the source path of its module, in mutmut's order of names."""
    found: dict[str, list[str]] = {}
    for meta in sorted(root.rglob("*.py.meta")):
        names = sorted(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
        if names:
            found[str(meta.relative_to(root))[: -len(".meta")]] = names
    return found


def sample(by_module: dict[str, list[str]], fraction: float, seed: int) -> list[str]:
    """`fraction` of each module's mutants (rounded, at least one), drawn with `seed`:
    the same seed and mutants give the same names."""
    rng = random.Random(seed)
    chosen: list[str] = []
    for module in sorted(by_module):
        names = by_module[module]
        chosen += sorted(rng.sample(names, max(1, round(len(names) * fraction))))
    return chosen


def results(names: Iterable[str], root: Path = MUTANTS) -> dict[str, int | None]:
    """mutmut's recorded exit code for each name (None: not run yet)."""
    wanted = set(names)
    codes: dict[str, int | None] = {}
    for meta in root.rglob("*.py.meta"):
        for name, code in json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].items():
            if name in wanted:
                codes[name] = code
    return codes


def interval(killed: int, checked: int) -> tuple[float, float]:
    """The 95% Wilson score interval of the kill rate `killed / checked`."""
    if not checked:
        return (0.0, 1.0)
    z, p = 1.96, killed / checked
    centre = (p + z * z / (2 * checked)) / (1 + z * z / checked)
    half = z * math.sqrt(p * (1 - p) / checked + z * z / (4 * checked * checked)) / (1 + z * z / checked)
    return (centre - half, centre + half)


def module_of(name: str, modules: Iterable[str]) -> str:
    dotted = {m[: -len(".py")].replace("/", ".").removesuffix(".__init__"): m for m in modules}
    prefix = name.partition(".x_")[0].partition(".xǁ")[0]
    return dotted.get(prefix, "other")


def score(names: list[str]) -> list[str]:
    """One line per area and one overall: checked, killed, survived, no tests, score, interval."""
    codes = results(names)
    modules = list(mutants_by_module())
    rows: dict[str, Counter[str]] = {}
    for name in names:
        code = codes.get(name)
        kind = "open" if code is None else KINDS.get(code, "other")
        for key in (area(module_of(name, modules)), "overall"):
            rows.setdefault(key, Counter())[kind] += 1
    lines = []
    for key, c in sorted(rows.items(), key=lambda kv: kv[0] == "overall"):
        checked, caught = sum(c.values()) - c["open"], c["killed"] + c["timeout"]
        low, high = interval(caught, checked)
        rate = caught / checked if checked else 0.0
        lines.append(
            f"{key}: sampled {sum(c.values())}, checked {checked}, killed {c['killed']} (+{c['timeout']} by timeout), "
            f"survived {c['survived']}, no tests {c['no tests']}, other {c['other']}, "
            f"score {rate:.1%} (95% CI {low:.1%} to {high:.1%})"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--counts", action="store_true", help="print the mutants per module and area")
    parser.add_argument("--score", type=Path, help="a file of sampled names: print their score per area")
    parser.add_argument("--survivors", type=Path, help="a file of sampled names: list those not killed")
    args = parser.parse_args(argv)
    by_module = mutants_by_module()
    if args.survivors is not None:
        codes = results(args.survivors.read_text(encoding="utf-8").split())
        for name, code in sorted(codes.items()):
            if code is not None and KINDS.get(code, "other") not in ("killed", "timeout"):
                print(KINDS.get(code, "other"), name)
    elif args.score is not None:
        print("\n".join(score(args.score.read_text(encoding="utf-8").split())))
    elif args.counts:
        areas: Counter[str] = Counter()
        for module, names in sorted(by_module.items()):
            print(f"{len(names):6} {module}")
            areas[area(module)] += len(names)
        for name, count in areas.most_common():
            print(f"{count:6} {name}")
        print(f"{sum(areas.values()):6} in all")
    else:
        print("\n".join(sample(by_module, args.fraction, args.seed)))


if __name__ == "__main__":
    main()
