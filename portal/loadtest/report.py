"""The figures of a load-test run: per page, the count, requests per second, p50/p95/p99 and how
many times the trivial view's p50 (and p99) of the same run each page takes."""

from __future__ import annotations

import statistics

TRIVIAL = "trivial view"


def percentile(values: list[float], p: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(p) - 1]


def figures(timings: dict[str, list[float]], seconds: float) -> list[dict]:
    rows = []
    for name, values in timings.items():
        rows.append(
            {
                "name": name,
                "count": len(values),
                "rps": len(values) / seconds,
                "p50": percentile(values, 50),
                "p95": percentile(values, 95),
                "p99": percentile(values, 99),
            }
        )
    base = next((r for r in rows if r["name"] == TRIVIAL), None)
    for row in rows:
        row["x_p50"] = row["p50"] / base["p50"] if base else None
        row["x_p99"] = row["p99"] / base["p99"] if base else None
    rows.sort(key=lambda r: (r["name"] != TRIVIAL, r["name"]))
    return rows


def table(rows: list[dict], statuses: dict[str, dict[str, int]], seconds: float) -> str:
    total = sum(r["count"] for r in rows)
    lines = [
        f"{total} requests in {seconds:.0f} s: {total / seconds:.1f} requests/s",
        f"{'page':<26}{'n':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'p50 ÷ triv':>12}{'p99 ÷ triv':>12}  statuses",
    ]
    for r in rows:
        codes = ", ".join(f"{code}×{n}" for code, n in sorted(statuses.get(r["name"], {}).items()))
        lines.append(
            f"{r['name']:<26}{r['count']:>7}{r['rps']:>8.1f}{r['p50']:>9.1f}{r['p95']:>9.1f}"
            f"{r['p99']:>9.1f}{r['x_p50']:>12.1f}{r['x_p99']:>12.1f}  {codes}"
        )
    return "\n".join(lines)


def slowest_lines(slowest: dict[str, list]) -> str:
    """Each page's slowest request: how long, when (seconds into the run, warm-up included)
    and which address."""
    lines = ["Slowest request per page (ms, seconds into the run, address):"]
    for name, (ms, at, url) in sorted(slowest.items()):
        lines.append(f"  {name:<26}{ms:>9.1f}{at:>8.1f} s  {url}")
    return "\n".join(lines)
