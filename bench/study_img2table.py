"""The study's grid finder (bench/study_ocr.py, OpenCV morphology) against img2table's, on the same
deskewed pages of the stamped scans.

    .venv/bin/python bench/study_img2table.py --img2table-python /tmp/i2t/bin/python [--dpi 150 200 300]

img2table needs opencv-contrib-python, which owns the same `cv2` module as the project's
opencv-python-headless, so it lives in a venv of its own (`uv venv /tmp/i2t && VIRTUAL_ENV=/tmp/i2t
uv pip install img2table`). This script runs twice: in the project's venv it writes each deskewed
page (PNG), our cells and the truth amounts' points (JSON); then in that venv it runs img2table on
the PNGs and compares (cells per page, whether each truth amount's point falls in a cell, whether
that cell is the same box as ours, seconds per page).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def dump(out: Path, dpis: list[int]) -> None:
    import numpy as np
    from PIL import Image

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import study_ocr as s

    from tests.conftest import SAMPLE_FILES, TRUTH
    from tests.scans import make_scan, scan_point

    for name, source in SAMPLE_FILES.items():
        truth = json.loads((TRUTH / f"{name}.truth.json").read_text(encoding="utf-8"))
        occurrences = s.printed_amounts(source, s.truth_amounts(truth))
        for dpi in dpis:
            scan = make_scan(
                source,
                out / f"{name}_{dpi}.pdf",
                dpi=dpi,
                rotation_degrees=s.ROTATION,
                noise=s.NOISE,
                seed=s.SEED,
            )
            for index, (rgb, size_pt) in enumerate(s.page_images(scan)):
                grey = s.unred(rgb, "rchan")
                flat, turn = s.deskew(grey, s.skew_by_projection(grey))
                started = time.perf_counter()
                cells, _ = s.find_cells(flat, dpi)
                seconds = time.perf_counter() - started
                points = []
                for page_index, point_pt, printed in occurrences:
                    if page_index == index:
                        x, y = scan_point(point_pt, size_pt, (rgb.shape[1], rgb.shape[0]), s.ROTATION)
                        fx, fy = turn @ np.array([x, y, 1.0])
                        points.append([float(fx), float(fy), printed])
                stem = f"{name}_{dpi}_p{index + 1:02d}"
                Image.fromarray(flat).save(out / f"{stem}.png")
                record = {"name": name, "dpi": dpi, "page": index + 1, "seconds": seconds, "points": points}
                record["cells"] = [list(c.box) for c in cells]
                (out / f"{stem}.json").write_text(json.dumps(record))


def detect(out: Path) -> list[dict[str, Any]]:
    from img2table.document import Image as TableImage

    rows = []
    for record_path in sorted(out.glob("*_p??.json")):
        record = json.loads(record_path.read_text())
        started = time.perf_counter()
        document = TableImage(src=str(record_path.with_suffix(".png")), detect_rotation=False)
        tables = document.extract_tables(implicit_rows=False, implicit_columns=False, borderless_tables=False)
        seconds = time.perf_counter() - started
        boxes = {
            (cell.bbox.x1, cell.bbox.y1, cell.bbox.x2, cell.bbox.y2)
            for table in tables
            for row in table.content.values()
            for cell in row
        }

        def containing(x: float, y: float, boxes: Any) -> list[tuple[int, int, int, int]]:
            return [b for b in boxes if b[0] <= x <= b[2] and b[1] <= y <= b[3]]

        ours = [tuple(c) for c in record["cells"]]
        same = in_theirs = in_ours = 0
        for x, y, _printed in record["points"]:
            theirs_here = containing(x, y, boxes)
            ours_here = containing(x, y, ours)
            in_theirs += bool(theirs_here)
            in_ours += bool(ours_here)
            if theirs_here and ours_here and _iou(theirs_here[0], ours_here[0]) > 0.8:
                same += 1
        rows.append(
            {
                "name": record["name"],
                "dpi": record["dpi"],
                "page": record["page"],
                "ours_cells": len(ours),
                "ours_seconds": record["seconds"],
                "img2table_cells": len(boxes),
                "img2table_seconds": seconds,
                "points": len(record["points"]),
                "in_ours": in_ours,
                "in_img2table": in_theirs,
                "same_box": same,
            }
        )
    return rows


def _iou(a: Any, b: Any) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def table(rows: list[dict[str, Any]]) -> str:
    out = [
        "| document | dpi | cells ours / img2table | amounts in a cell: ours / img2table | same box |"
        " s/page ours / img2table |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    keys = sorted({(r["dpi"], r["name"]) for r in rows})
    for dpi, name in keys:
        mine = [r for r in rows if r["name"] == name and r["dpi"] == dpi]

        def total(key: str, mine: list[dict[str, Any]] = mine) -> float:
            return sum(r[key] for r in mine)

        out.append(
            f"| {name} | {dpi} | {total('ours_cells'):.0f} / {total('img2table_cells'):.0f} |"
            f" {total('in_ours'):.0f} / {total('in_img2table'):.0f} of {total('points'):.0f} |"
            f" {total('same_box'):.0f} | {total('ours_seconds') / len(mine):.2f} /"
            f" {total('img2table_seconds') / len(mine):.2f} |"
        )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dpi", type=int, nargs="+", default=[150, 200, 300])
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "img2table-study")
    parser.add_argument("--img2table-python", default="/tmp/i2t/bin/python")
    parser.add_argument("--detect", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.detect:
        (args.out / "img2table.json").write_text(json.dumps(detect(args.out)))
        return
    dump(args.out, args.dpi)
    subprocess.run([args.img2table_python, __file__, "--detect", "--out", str(args.out)], check=True)
    print(table(json.loads((args.out / "img2table.json").read_text())))


if __name__ == "__main__":
    main()
