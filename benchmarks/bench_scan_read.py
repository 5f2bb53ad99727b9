"""Time the export readers on a generated export (default: 1M messages).

    .venv/bin/python benchmarks/bench_scan_read.py --format whatsapp -n 1000000

Writes the export with the project's generator to a temporary folder, then reads it in a fresh
child process (so peak RSS is the reader's alone) and prints messages/s, MB/s and peak RSS.
A benchmark prints figures; tests assert behaviour.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.scan import fixtures as fx
from bot.scan import read_export
from bot.scan.synthetic import synthetic_chat

WRITERS = {
    "whatsapp": ("WhatsApp Chat with Team.txt", lambda p, e: fx.write_whatsapp(p, e, "android_us")),
    "whatsapp_ios": ("_chat.txt", lambda p, e: fx.write_whatsapp(p, e, "ios")),
    "discord_json": ("export.json", fx.write_discord_json),
    "discord_csv": ("export.csv", lambda p, e: fx.write_discord_csv(p, e, "us")),
    "slack": ("slack-export", fx.write_slack),
}


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def read_only(path: Path) -> dict[str, float]:
    """Stream every message of `path`; return count, seconds and peak RSS (child mode)."""
    start = time.perf_counter()
    count = chars = 0
    for msg in read_export(path, warn=lambda m: print(m, file=sys.stderr)):
        count += 1
        chars += len(msg.text)
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"count": count, "chars": chars, "seconds": seconds, "peak_rss_mib": peak_kib / 1024}


def _baseline_rss() -> float:
    code = "import resource, bot.scan; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout) / 1024


def main() -> None:
    """Generate, then time the read in a child process, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=sorted(WRITERS), default="whatsapp")
    parser.add_argument("-n", type=int, default=1_000_000)
    parser.add_argument("--read", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read is not None:
        print(json.dumps(read_only(args.read)))
        return
    name, write = WRITERS[args.format]
    with tempfile.TemporaryDirectory(prefix="upstander-bench-") as tmp:
        path = Path(tmp) / name
        t0 = time.perf_counter()
        write(path, synthetic_chat(args.n))
        gen = time.perf_counter() - t0
        size_mb = _size(path) / 1e6
        child = subprocess.run(
            [sys.executable, __file__, "--read", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        res = json.loads(child.stdout.strip().splitlines()[-1])
    base = _baseline_rss()
    print(f"format            {args.format}")
    print(f"messages          {int(res['count']):,} (asked {args.n:,})")
    print(f"export size       {size_mb:,.1f} MB (generated in {gen:.1f} s)")
    print(f"read time         {res['seconds']:.2f} s")
    print(
        f"throughput        {res['count'] / res['seconds']:,.0f} messages/s, "
        f"{size_mb / res['seconds']:,.1f} MB/s"
    )
    print(
        f"peak RSS          {res['peak_rss_mib']:.1f} MiB "
        f"(interpreter + imports alone: {base:.1f} MiB)"
    )


if __name__ == "__main__":
    main()
