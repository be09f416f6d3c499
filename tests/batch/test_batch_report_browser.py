"""The report opened in a real headless browser (Debian's chromium): it renders, offline, with its figures."""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from grader.batch import run_batch
from review.cdp import browser_path
from synth import generate_class

BAR_RGB = (0x3B, 0x6E, 0xA8)  # svg.chart .bar in the report's stylesheet
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND"]  # the page must need no network


@pytest.fixture(scope="module")
def report(tmp_path_factory, hw3) -> Path:
    root = tmp_path_factory.mktemp("browser")
    generate_class(root / "class", 30, seed=11, export=True)
    run_batch(submissions=root / "class", outdir=root / "out", assignment=hw3, jobs=1)
    return root / "out" / "report.html"


def _run(browser: str, report: Path, *args: str) -> subprocess.CompletedProcess:
    profile = report.parent / f"profile-{args[0].strip('-').split('=')[0]}"
    return subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *args, report.as_uri()],
                          capture_output=True, timeout=120)


def test_the_dom_has_every_figure_with_its_bars(report, hw3):
    proc = _run(browser_path(), report, "--dump-dom")
    dom = proc.stdout.decode("utf-8")
    assert proc.returncode == 0 and "</html>" in dom, proc.stderr.decode()[-2000:]
    figures = re.findall(r'<figure class="chart-figure" id="([^"]+)" data-bins="(\d+)">(.*?)</figure>', dom, re.S)
    assert [f[0] for f in figures] == ["hist-total"] + [f"hist-part-{p.id}" for p in hw3.rubric.parts]
    for _, bins, body in figures:
        assert body.count('class="bar"') == int(bins) > 0
    assert 'id="groups-4.1-formula"' in dom and 'id="flags"' in dom


def _pixels(png: bytes) -> tuple[int, int, int, bytes]:
    """Width, height, bytes per pixel and the raw rows of an 8-bit RGB(A) PNG, unfiltered."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", data)
            assert depth == 8 and color in (2, 6) and interlace == 0
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    bpp = 3 if color == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    out, prev = bytearray(), bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += line
        prev = line
    return width, height, bpp, bytes(out)


def test_the_page_renders_its_histograms(report):
    shot = report.parent / "shot.png"
    proc = _run(browser_path(), report, f"--screenshot={shot}", "--window-size=900,700")
    assert shot.is_file(), proc.stderr.decode()[-2000:]
    width, height, bpp, data = _pixels(shot.read_bytes())
    bar = sum(1 for i in range(0, len(data), bpp) if tuple(data[i:i + 3]) == BAR_RGB)
    # The total-score histogram (~640 x 180 px of plot area, near the top) is on screen; its bars fill much of it.
    assert bar > 5_000, f"only {bar} pixels of bar colour in a {width}x{height} screenshot"
