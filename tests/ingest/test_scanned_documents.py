"""Scanned documents: read by OCR with every amount proven, or refused with UnreadableScan.

The scans are made here from the samples (`tests/scans.py`): each page rendered to an image, turned
a little, speckled, a red seal pressed over the 部门名称 and over an amount, and rebuilt as an
image-only PDF. They are parsed as `jixiao parse` and the nightly workers parse them: in a child
process, under the memory bound, with the time a scan's pages are given. The proof is also tested
on its own, on printed documents with one figure changed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pdfplumber
import pytest
from PIL import Image, ImageDraw, ImageFont

from ingest.document import parse_document
from ingest.errors import NoTextLayer, UnreadableScan
from ingest.pdf.normalise import normalise_text
from ingest.pdf.reader import open_pdf, read_pdf
from ingest.proof import prove, prove_prose, unmarked
from ingest.records import ParsedDocument
from ingest.scan import UNPROVEN
from ingest.scan.image import MARGIN, closed_up, figure_print, framed, line_image, ring_after
from ingest.scan.page import _in_crop, _ring_read_as_zero, agreed_amount, cut_into, digits_of, looks_numeric
from ingest.scan.ppocr import normalised, read_line_images, without_phantom_marks
from ingest.scan.tesseract import missing_models
from jixiao.cli import main
from tests.conftest import SAMPLE_FILES
from tests.ingest.test_contract import load_exact
from tests.relayout import build_xlsx, set_cells, soffice, to_pdf
from tests.scans import make_scan, rendered, write_pdf
from tests.truth_fields import TRUTH

FORM = "huangpu_2023_dept_target_form"
REPORT = "huangpu_2022_self_evaluation"
pytestmark = [
    pytest.mark.scans,
    pytest.mark.skipif(bool(missing_models()), reason="Tesseract's eng model is not installed (see README)"),
]


@pytest.fixture(scope="module")
def form_scans(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("scans") / "2023"
    return {
        dpi: make_scan(
            SAMPLE_FILES[FORM], folder / f"{FORM}_{dpi}.pdf", dpi=dpi, rotation_degrees=1.2, seed=dpi
        )
        for dpi in (150, 300)
    }


def _truth(name: str) -> dict[str, object]:
    return dict(json.loads((TRUTH / f"{name}.truth.json").read_text(encoding="utf-8")))


def jixiao_parse(path: Path, *extra: str) -> tuple[int, dict[str, Any] | str]:
    """`jixiao parse PATH --json` run in this process: the exit code, and the records or the refusal."""
    printed, refused = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(refused):
        code = main(["parse", str(path), "--json", *extra])
    return code, (load_exact(printed.getvalue()) if code == 0 else refused.getvalue())


def test_a_scanned_form_at_300_dpi_lands_every_amount_exactly(form_scans: dict[int, Path]) -> None:
    """A stamped, turned, speckled scan at 300 dpi is read, not refused: its labels, its department
    under the seal, and all 13 amounts, the one under the second seal too; marked as read by OCR."""
    code, output = jixiao_parse(form_scans[300], "--year", "2023")
    assert code == 0 and isinstance(output, dict), output
    truth = _truth(FORM)
    amounts = [line["amount_wan_yuan"] for line in output["budget_lines"]]
    assert amounts == [Decimal(str(line["amount_wan_yuan"])) for line in truth["budget_lines"]]  # type: ignore[union-attr]
    funds = [task["funds_wan_yuan"] for task in output["key_tasks"]]
    assert funds == [Decimal(str(task["funds_wan_yuan"])) for task in truth["key_tasks"]]  # type: ignore[union-attr]
    assert output["department"] == truth["department"]
    assert len(output["indicators"]) == len(truth["indicators"])  # type: ignore[arg-type]
    assert output["ocr"] is True


def test_a_cell_printed_blank_lands_blank_from_a_scan(tmp_path: Path) -> None:
    """黄埔's form with its 财政专项资金 printed blank (the office left the cell empty): from a stamped
    scan at 300 dpi, the cell holds no ink, so it lands blank as the printed form's does, the budget
    identity holding without it, and every other amount as printed."""
    if soffice() is None:
        pytest.skip("LibreOffice is needed to print the form with a blank cell")
    workbook = build_xlsx(f"{FORM}.xlsx", [set_cells({"D7": None})], tmp_path / "xlsx" / f"{FORM}.xlsx")
    (printed,) = to_pdf([workbook], tmp_path / "2023")
    scan = make_scan(
        printed, tmp_path / "scans" / "2023" / f"{FORM}.pdf", dpi=300, rotation_degrees=0.8, seed=7
    )
    code, from_print = jixiao_parse(printed, "--year", "2023")
    assert code == 0 and isinstance(from_print, dict), from_print
    code, from_scan = jixiao_parse(scan, "--year", "2023")
    assert code == 0 and isinstance(from_scan, dict), from_scan
    lines = {line["label"]: line["amount_wan_yuan"] for line in from_scan["budget_lines"]}
    assert lines["财政专项资金"] is None
    assert lines == {line["label"]: line["amount_wan_yuan"] for line in from_print["budget_lines"]}
    truth = {line["label"]: Decimal(str(line["amount_wan_yuan"])) for line in _truth(FORM)["budget_lines"]}  # type: ignore[union-attr]
    assert {label: amount for label, amount in lines.items() if label != "财政专项资金"} == {
        label: amount for label, amount in truth.items() if label != "财政专项资金"
    }


def test_a_scan_gets_its_pages_time_and_is_stopped_past_it(
    form_scans: dict[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scan is given JIXIAO_OCR_PAGE_SECONDS for each page on top of a printed document's time; past
    that, it is refused like any parse that runs too long, saying it was a scan."""
    monkeypatch.setenv("JIXIAO_PARSE_TIMEOUT_SECONDS", "5")
    monkeypatch.setenv("JIXIAO_OCR_PAGE_SECONDS", "0.1")
    code, refusal = jixiao_parse(form_scans[300], "--year", "2023")
    assert code == 2
    assert "jixiao: ParseTimeout:" in refusal and "longer than 5.3 s (a scan" in refusal, refusal


def test_a_scan_at_150_dpi_is_refused_naming_what_was_not_proven(form_scans: dict[int, Path]) -> None:
    with pytest.raises(UnreadableScan) as refused:
        parse_document(form_scans[150])
    assert refused.value.kind == "UnreadableScan"
    assert "OCR" in refused.value.detail or "does not equal" in refused.value.detail


def test_without_the_models_a_scan_is_refused_saying_what_to_install(
    form_scans: dict[int, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    with pytest.raises(NoTextLayer, match=r"tessdata\.eng .*tesseract-ocr-chi-sim"):
        parse_document(form_scans[300])


def test_a_printed_document_is_not_marked_as_read_by_ocr() -> None:
    assert not parse_document(SAMPLE_FILES[FORM]).header.ocr


@pytest.fixture(scope="module")
def scanned_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = make_scan(
        SAMPLE_FILES[REPORT], tmp_path_factory.mktemp("scans") / f"{REPORT}.pdf", dpi=300, seed=2022
    )
    code, output = jixiao_parse(path)
    assert code == 0 and isinstance(output, dict), output
    return output


def test_a_scanned_report_at_300_dpi_lands_its_scores_exactly(scanned_report: dict[str, Any]) -> None:
    truth = _truth(REPORT)
    fields = ("level1", "level2", "score", "subtotal")
    expected = [{field: score[field] for field in fields} for score in truth["scores"]]  # type: ignore[union-attr]
    assert [{field: score[field] for field in fields} for score in scanned_report["scores"]] == [
        {**score, "score": Decimal(str(score["score"])),
         "subtotal": None if score["subtotal"] is None else Decimal(str(score["subtotal"]))}
        for score in expected
    ]  # fmt: skip


def test_every_figure_a_scanned_report_states_is_the_printed_one(scanned_report: dict[str, Any]) -> None:
    """Each figure in prose landed only on two engines agreeing: none differs from the printed value,
    and nearly all of the sample's figures are found (a misread label loses a fact, never a digit)."""
    truth = load_exact((TRUTH / f"{REPORT}.truth.json").read_text(encoding="utf-8"))
    printed = {fact["label"]: fact["value"] for fact in truth["facts"]}
    landed = {fact["label"]: fact["value"] for fact in scanned_report["facts"] if fact["label"] in printed}
    assert landed == {label: printed[label] for label in landed}
    assert len(landed) >= 0.9 * len(printed)


# --- the proof, on printed documents with one figure changed -------------------------------------


@pytest.fixture(scope="module")
def printed() -> dict[str, ParsedDocument]:
    return {name: parse_document(SAMPLE_FILES[name]) for name in SAMPLE_FILES}


def _plus_a_cent(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)) + Decimal("0.01")


def test_the_printed_samples_pass_the_proof(printed: dict[str, ParsedDocument]) -> None:
    for name, document in printed.items():
        prove(dataclasses.replace(document, facts=[]), SAMPLE_FILES[name])


def test_a_budget_line_off_by_a_cent_is_named(printed: dict[str, ParsedDocument]) -> None:
    document = printed[FORM]
    lines = list(document.budget_lines)
    basic = next(i for i, line in enumerate(lines) if line.label == "基本支出")
    changed = _plus_a_cent(lines[basic].amount_wan_yuan)
    lines[basic] = dataclasses.replace(lines[basic], amount_wan_yuan=changed)
    with pytest.raises(UnreadableScan, match=r"check 1.*does not equal 财政拨款"):
        prove(dataclasses.replace(document, budget_lines=lines), SAMPLE_FILES[FORM])


def test_a_project_row_off_by_a_cent_is_named(printed: dict[str, ParsedDocument]) -> None:
    name = "guangzhou_2023_project_target_table"
    document = printed[name]
    projects = list(document.projects)
    projects[3] = dataclasses.replace(projects[3], fiscal=_plus_a_cent(projects[3].fiscal))
    with pytest.raises(UnreadableScan, match=f"row {projects[3].row} .*总计"):
        prove(dataclasses.replace(document, projects=projects), SAMPLE_FILES[name])


def test_a_score_off_by_a_tenth_is_named(printed: dict[str, ParsedDocument]) -> None:
    name = "huangpu_2022_self_evaluation"
    document = printed[name]
    scores = list(document.scores)
    scores[0] = dataclasses.replace(scores[0], score=_plus_a_cent(scores[0].score))
    with pytest.raises(UnreadableScan, match=f"{scores[0].level1}.*二级指标得分之和"):
        prove(dataclasses.replace(document, scores=scores, facts=[]), SAMPLE_FILES[name])


def test_a_target_figure_the_engines_disagreed_on_is_named(printed: dict[str, ParsedDocument]) -> None:
    """Targets feed the marts' target-against-actual figures: an unproven figure there refuses the
    scan (a misread 10% had come out as 0%), as one in a table's amount cell does."""
    document = printed[FORM]
    indicators = list(document.indicators)
    at = next(i for i, indicator in enumerate(indicators) if re.search(r"\d", indicator.annual_target))
    target = indicators[at].annual_target
    figure = re.search(r"\d+", target).group()  # type: ignore[union-attr]
    marked = target.replace(figure, UNPROVEN + figure, 1)
    indicators[at] = dataclasses.replace(indicators[at], annual_target=marked)
    with pytest.raises(UnreadableScan, match=f"{indicators[at].name}: the figure at '{figure}"):
        prove(dataclasses.replace(document, indicators=indicators), SAMPLE_FILES[FORM])


def test_a_proven_scan_keeps_no_mark_in_its_names(printed: dict[str, ParsedDocument]) -> None:
    """A figure in a name (第10.5代, 2023-2024年) is no data: its mark goes, the name stays as read."""
    name = "guangzhou_2023_project_target_table"
    projects = list(printed[name].projects)
    projects[0] = dataclasses.replace(projects[0], name=projects[0].name + UNPROVEN + "2023")
    cleaned = unmarked(dataclasses.replace(printed[name], projects=projects))
    assert cleaned.projects[0].name == printed[name].projects[0].name + "2023"
    assert cleaned.header == printed[name].header and cleaned.projects[1:] == printed[name].projects[1:]


@pytest.fixture(scope="module")
def report_pages() -> dict[int, str]:
    with open_pdf(SAMPLE_FILES["huangpu_2022_self_evaluation"]) as pdf:
        return read_pdf(pdf).texts


def test_prose_whose_figures_all_agreed_passes(report_pages: dict[int, str]) -> None:
    prove_prose(report_pages, SAMPLE_FILES["huangpu_2022_self_evaluation"])


def test_a_figure_in_prose_the_engines_disagreed_on_is_named(report_pages: dict[int, str]) -> None:
    """`ingest/scan/page.py` marks a figure whose readings disagree; the report is then refused,
    naming the page and the figure, whether or not the figure would have become a fact."""
    number, text = next((n, t) for n, t in sorted(report_pages.items()) if "286.87" in t)
    marked = {**report_pages, number: text.replace("286.87", UNPROVEN + "286.87", 1)}
    with pytest.raises(UnreadableScan, match=f"page {number}: the figure at '286.87"):
        prove_prose(marked, SAMPLE_FILES["huangpu_2022_self_evaluation"])


def test_a_page_footer_the_engines_disagreed_on_is_no_prose_figure(report_pages: dict[int, str]) -> None:
    """The prose reader drops page footers (— 11 —, or 11- as OCR may give it) unread."""
    for footer in (f"—{UNPROVEN}11—", f"{UNPROVEN}11-"):
        prove_prose({**report_pages, 3: f"{report_pages[3]}\n{footer}"}, SAMPLE_FILES[REPORT])


# --- reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("read", "spelt"),
    [
        ("预算 金额 〈 万 元 〉", "预算金额（万元）"),
        ("任务 1： 做 大", "任务1：做大"),
        ("体系,发挥", "体系,发挥"),  # a half-width comma typed in Chinese text, as the text layer keeps it
        ("执行数383，193.53万元", "执行数383,193.53万元"),
        ("知行等5家企业入选2022.年胡润", "知行等5家企业入选2022年胡润"),  # the space printed after 2022
        ("2.管理效率（满分50.分", "2.管理效率（满分50分"),
        ("国家级孵化器达21家；.10家孵化器", "国家级孵化器达21家；10家孵化器"),  # the space typed after ；
        ("；2.国家级孵化器，第10.5代", "；2.国家级孵化器，第10.5代"),
        ("全 社会 R&D 经 费", "全社会R&D经费"),
        ("364,607.20", "364,607.20"),
    ],
)
def test_a_reading_is_spelt_as_chinese_print_is(read: str, spelt: str) -> None:
    assert normalised(read) == spelt


def test_the_mark_of_an_unproven_figure_outlives_the_text_normalisation() -> None:
    """NFKC spells ⁇ as ??: the page text would lose the mark the prose proof looks for."""
    assert normalise_text(f"研发投入强度达{UNPROVEN}6.65%") == f"研发投入强度达{UNPROVEN}6.65%"


@pytest.mark.parametrize(
    ("read", "numeric"),
    [("2,341.13", True), ("0.00", True), ("15", True), ("48,000:00", True), (">95%", False), ("", False)],
)
def test_only_a_cell_read_as_digits_is_read_again_for_an_amount(read: str, numeric: bool) -> None:
    assert looks_numeric(read) is numeric


@pytest.mark.parametrize(
    ("read", "cut"),
    [
        ("3,600.C0", "3,600.00"),
        ("40C.00", "400.00"),
        ("476,$04.29", "476,$04.29"),
        ("3,600.00", None),
        ("5G", None),
        ("12.5%", None),
        ("12.50万", None),
        ("C.00", None),
    ],
)
def test_an_amount_a_ring_cut_into_is_still_a_number_cell(read: str, cut: str | None) -> None:
    """A 0 whose stroke a seal's ring replaced reads as a letter; the cell is read again for an
    amount, and its letters are given back as the 0 they stand for. A name, a percentage, an amount
    with its unit are left as text."""
    assert cut_into(read) == cut


@pytest.mark.parametrize(
    ("read", "digits"),
    [
        ("1,200.00", "1200.00"),
        ("1200.00", "1200.00"),
        ("364,607.20", "364607.20"),
        ("1,20.00", "1,20.00"),  # a separator out of its place: no amount's, kept
        ("1.200,00", "1.200,00"),
        ("1200.0", "1200.0"),  # one decimal fewer is another reading, not the same amount
        ("21.833.00", "21833.00"),  # a thousands comma read as a point: only the last is the point
        ("494.772.54", "494772.54"),
        ("1.20.00", "1.20.00"),  # a point out of a separator's place stays
        ("2,341,13", "2341.13"),  # a decimal point read as a comma: two digits after it
        ("12,000", "12000"),  # three: a thousands comma
    ],
)
def test_readings_of_an_amount_agree_by_its_digits_and_point(read: str, digits: str) -> None:
    """JPEG's blur loses a thousands comma in one reading of three (1200.00 against 1,200.00): a
    separator in its place says nothing of the value, and is left out when readings are compared;
    every digit, the point and the decimals must still agree."""
    assert digits_of(read) == digits


# --- a figure's own print ----------------------------------------------------------------------------

NOTO_SERIF = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")


def _ink_width(image: np.ndarray) -> int:
    columns = np.flatnonzero((image < 128).any(axis=0))
    return int(columns[-1] - columns[0] + 1)


@pytest.mark.skipif(not NOTO_SERIF.exists(), reason="needs fonts-noto-cjk")
@pytest.mark.parametrize(
    ("before", "figure", "after"),
    [("达到", "90", "%。"), ("年度指标值：", "100", "。"), ("目标", "1000", "。"), ("共", "12", "家")],
)
def test_a_figure_is_read_without_the_marks_beside_it(before: str, figure: str, after: str) -> None:
    """The recogniser's box of a figure is approximate: given one reaching a third of a character
    past the figure on both sides (into the stroke of 到, over the 。 or the first stroke of %),
    the figure's print is its digits alone, and Tesseract's three readings agree on it."""
    size = 34  # 9 pt at 300 dpi
    font = ImageFont.truetype(str(NOTO_SERIF), size, index=2)
    strip = Image.new("L", (int(font.getlength(before + figure + after)) + 40, 2 * size), 255)
    ImageDraw.Draw(strip).text((20, size // 2), before + figure + after, font=font, fill=0)
    line = np.array(strip)
    start, end = 20 + font.getlength(before), 20 + font.getlength(before + figure)
    rows = np.flatnonzero((line < 128).any(axis=1))
    reach = size / 3
    crop = figure_print(line, (int(start - reach), int(rows[0]), int(end + reach), int(rows[-1]) + 1), 300)
    assert _ink_width(crop) == _ink_width(line[:, int(start) : int(np.ceil(end))])
    amount, readings = agreed_amount(crop, 300, figure)
    assert amount == figure, readings


@pytest.mark.skipif(not NOTO_SERIF.exists(), reason="needs fonts-noto-cjk")
@pytest.mark.parametrize(
    "printed",
    [
        "改造项目(一期)开展",  # typed half-width, as the project table's names are
        "改造项目（一期）开展",
        "对我市企业(机构)，开展",  # the ) faces a comma: it takes the ( 's width
        "对我市企业（机构），开展",
    ],
)
def test_a_bracket_is_read_as_wide_as_it_is_printed(printed: str) -> None:
    """PP-OCR's `(` or `（` says little; the gap between a bracket and the character on its open
    side tells them apart: a full-width one is drawn at one side of its em box."""
    size = 34  # 9 pt at 300 dpi
    font = ImageFont.truetype(str(NOTO_SERIF), size, index=2)
    strip = Image.new("L", (int(font.getlength(printed)) + 40, 2 * size), 255)
    ImageDraw.Draw(strip).text((20, size // 2), printed, font=font, fill=0)
    crop = np.array(strip)
    rows, columns = np.flatnonzero((crop < 128).any(axis=1)), np.flatnonzero((crop < 128).any(axis=0))
    image, _, _ = line_image(crop, (int(columns[0]), int(rows[0]), int(columns[-1]) + 1, int(rows[-1]) + 1))
    (line,) = read_line_images([image])
    assert line.text == printed


@pytest.mark.skipif(not NOTO_SERIF.exists(), reason="needs fonts-noto-cjk")
@pytest.mark.parametrize("printed, figure", [("合计12,345.67万元", "12,345.67"), ("达到95%以上", "95")])
def test_a_figure_is_placed_over_its_own_print(printed: str, figure: str) -> None:
    """Where the recogniser placed a figure's characters on a line image, moved back onto the cell,
    tells the second reading where to look: the print it is given (`figure_print`) is the figure's
    ink, every column of it and nothing of the characters either side."""
    size = 34  # 9 pt at 300 dpi
    font = ImageFont.truetype(str(NOTO_SERIF), size, index=2)
    start = printed.index(figure)
    left = 20 + font.getlength(printed[:start])
    right = 20 + font.getlength(printed[: start + len(figure)])
    strip = Image.new("L", (int(font.getlength(printed)) + 40, 2 * size), 255)
    ImageDraw.Draw(strip).text((20, size // 2), printed, font=font, fill=0)
    crop = np.array(strip)
    rows, columns = np.flatnonzero((crop < 128).any(axis=1)), np.flatnonzero((crop < 128).any(axis=0))
    box = (int(columns[0]), int(rows[0]), int(columns[-1]) + 1, int(rows[-1]) + 1)
    image, scale, kept = line_image(crop, box)
    (line,) = read_line_images([image])
    ((found, (x0, y0, x1, y1)),) = _in_crop(line, box, scale, kept).figures
    assert found == figure
    own = columns[(columns >= left) & (columns < right)]
    assert np.array_equal(
        figure_print(crop, (x0, y0, x1, y1), 300), crop[y0 - 2 : y1 + 2, own[0] - 2 : own[-1] + 3]
    )


@pytest.mark.skipif(not NOTO_SERIF.exists(), reason="needs fonts-noto-cjk")
def test_a_mark_read_in_the_gap_of_a_spread_label_is_left_out() -> None:
    """A label printed spread across its cell (按 预 算 级 次 划 分) leaves wide gaps of paper, where
    the recogniser at 200 dpi put marks (按、预算级·次.划分) and the label was no longer found. A
    mark or an ideograph over paper is left out; a printed 、 between ideographs, a few pixels of
    ink, stays."""
    size = 34
    font = ImageFont.truetype(str(NOTO_SERIF), size, index=2)
    gap = 3 * size
    strip = Image.new("L", (20 + 3 * size + 2 * gap + 20, 2 * size), 255)
    lefts = [20, 20 + size + gap, 20 + 2 * size + 2 * gap]
    for left, character in zip(lefts, "按预算", strict=True):
        ImageDraw.Draw(strip).text((left, size // 2), character, font=font, fill=0)
    # The line as the recogniser was given it before its wide gaps were closed up (`closed_up`).
    line, scale = framed(np.array(strip), MARGIN), 1.0

    def box(left: float, right: float) -> tuple[int, int, int, int]:  # on the line image, as read
        return int(MARGIN + left * scale), 0, int(MARGIN + right * scale), line.shape[0]

    boxes = [box(left, left + size) for left in lefts]
    in_gap = box(lefts[0] + size + 10, lefts[1] - 10)
    text, characters = without_phantom_marks(line, "按、预算", [boxes[0], in_gap, boxes[1], boxes[2]])
    assert (text, characters) == ("按预算", boxes)
    # An ideograph read in a gap (三 级 指 标 read 三黃级指層标) is left out alike.
    text, characters = without_phantom_marks(line, "按黃预算", [boxes[0], in_gap, boxes[1], boxes[2]])
    assert (text, characters) == ("按预算", boxes)
    # A box lying over its neighbour's has too few columns of its own to judge: kept.
    squeezed = box(lefts[0] + 2, lefts[0] + size + 5)
    assert without_phantom_marks(line, "按、预算", [boxes[0], squeezed, boxes[1], boxes[2]])[0] == "按、预算"
    # A line's only character is what its ink was read as, wherever its box was put.
    assert without_phantom_marks(line, "。", [in_gap]) == ("。", [in_gap])
    # A box reaching past the image's edge (a colour JPEG at 200 dpi): judged on the columns inside.
    narrow = line[:, : boxes[0][2]]
    reaching = (-2 * narrow.shape[1], 0, boxes[0][0], narrow.shape[0])
    assert without_phantom_marks(narrow, "、按", [reaching, boxes[0]])[0] == "按"

    printed = Image.new("L", (int(font.getlength("国家、省")) + 40, 2 * size), 255)
    ImageDraw.Draw(printed).text((20, size // 2), "国家、省", font=font, fill=0)
    crop = np.array(printed)
    rows, columns = np.flatnonzero((crop < 128).any(axis=1)), np.flatnonzero((crop < 128).any(axis=0))
    image, _, _ = line_image(crop, (int(columns[0]), int(rows[0]), int(columns[-1]) + 1, int(rows[-1]) + 1))
    (read,) = read_line_images([image])
    assert read.text == "国家、省"


def test_a_digit_a_pixel_taller_than_its_neighbours_stays_in_its_figure() -> None:
    """On a keystoned sheet one digit of a figure may stand a pixel taller at both ends than the one
    beside it. The marks of `>95%` as a keystoned scan printed them (inked columns and rows, read off
    that scan): given the recogniser's box of `95`, which takes in the first stroke of the %, the
    figure's print is the 9 and the 5, the stroke left out."""
    marks = {  # (left, right, top, bottom), inclusive
        ">": (3, 14, 7, 20),
        "9": (18, 31, 3, 22),
        "5": (35, 47, 2, 23),
        "% first stroke": (51, 53, 3, 14),
        "% second stroke": (57, 59, 3, 14),
    }
    line = np.full((27, 78), 255, dtype=np.uint8)
    for left, right, top, bottom in marks.values():
        line[top : bottom + 1, left : right + 1] = 0
    crop = figure_print(line, (16, 0, 52, 27), 300)
    columns = np.flatnonzero((crop < 128).any(axis=0))
    assert columns[-1] - columns[0] + 1 == marks["5"][1] - marks["9"][0] + 1


@pytest.mark.parametrize(
    ("marks", "box", "ring"),
    [
        pytest.param(  # 87% as a colour JPEG at 200 dpi, read 870% by both engines on the line
            [(2, 13, 2, 20), (16, 26, 3, 20), (30, 32, 3, 12), (34, 36, 3, 12), (43, 50, 10, 20)],
            (4, 0, 34, 23),
            True,
            id="the %'s first ring",
        ),
        pytest.param(  # 100% at 300 dpi, whose last 0 touches a speck and is left out of the print
            [(5, 27, 9, 57), (34, 64, 8, 58), (71, 101, 3, 65), (108, 163, 9, 62)],
            (0, 0, 103, 67),
            False,
            id="a 0 left out",
        ),
        pytest.param(
            [(5, 27, 9, 57), (34, 64, 8, 58), (70, 71, 20, 21)], (0, 0, 66, 67), False, id="a speck"
        ),
        pytest.param(  # the 87% again, the recogniser's box ending before the ring
            [(2, 13, 2, 20), (16, 26, 3, 20), (30, 32, 3, 12), (34, 36, 3, 12), (43, 50, 10, 20)],
            (4, 0, 28, 23),
            False,
            id="a ring beyond the recogniser's box",
        ),
    ],
)
def test_a_percent_signs_first_ring_is_told_from_a_digit_left_out(
    marks: list[tuple[int, int, int, int]], box: tuple[int, int, int, int], ring: bool
) -> None:
    """The marks right of a figure's print, as scans printed them (inked columns and rows, read off
    those scans): a mark that stops well above the digits' line is a %'s first ring, which the
    recogniser can read as a last 0 (`ingest/scan/page.py`) when its box takes it in; a full-height
    digit or a speck is not."""
    line = np.full((box[3] + 2, max(right for _, right, _, _ in marks) + 10), 255, dtype=np.uint8)
    for left, right, top, bottom in marks:
        line[top : bottom + 1, left : right + 1] = 0
    assert ring_after(line, box, 300) is ring


def test_a_last_0_that_is_a_percent_signs_ring_is_disproved() -> None:
    """87% as a colour JPEG at 200 dpi printed it (its marks as in the test above): read 870% by
    both engines, or on a keystoned sheet 870 with no % left at all, the whole % taken for the 0.
    Either way the print reads 87 and the ring stands right of it: the figure is disproved, and a
    target holding it is refused rather than landing 870."""
    marks = [(2, 13, 2, 20), (16, 26, 3, 20), (30, 32, 3, 12), (34, 36, 3, 12), (43, 50, 10, 20)]
    line = np.full((25, 60), 255, dtype=np.uint8)
    for left, right, top, bottom in marks:
        line[top : bottom + 1, left : right + 1] = 0
    assert _ring_read_as_zero(line, (0, "870", (4, 0, 34, 23)), "87", 300)


def _with_a_ruling_faded(source: Path, out: Path, text: str, dpi: int = 300) -> Path:
    """`source` scanned at `dpi` with the ruling line under the cell printing `text` gone white for
    the width of that text, as a scanner's light stretch or a ring along the line leaves it."""
    with pdfplumber.open(source) as pdf:
        index, found, page = next(
            (index, found[0], page) for index, page in enumerate(pdf.pages) if (found := page.search(text))
        )
        below = min(
            (edge for edge in page.horizontal_edges
             if edge["top"] > found["bottom"] and edge["x0"] <= found["x0"] and edge["x1"] >= found["x1"]),
            key=lambda edge: edge["top"],
        )  # fmt: skip
    sheets = []
    for number, (pixels, _size) in enumerate(rendered(source, dpi)):
        if number == index:
            to_px = dpi / 72
            y = round(below["top"] * to_px)
            pixels[y - 6 : y + 7, round(found["x0"] * to_px) : round(found["x1"] * to_px)] = 255
        sheets.append(Image.fromarray(pixels))
    return write_pdf(sheets, out, dpi, quality=90)


def test_print_left_outside_every_cell_of_a_table_row_refuses_the_scan(tmp_path: Path) -> None:
    """黄埔's form scanned with the ruling under its last indicator's name faded away: that cell is no
    longer enclosed, and its print stands in the row between the 二级指标 cell and the target cells.
    Read as print outside the tables, the row was lost from the indicators and the form landed
    without it; it is refused, naming the print."""
    name = str(_truth(FORM)["indicators"][-1]["name"])  # type: ignore[index]
    scan = _with_a_ruling_faded(SAMPLE_FILES[FORM], tmp_path / "2023" / f"{FORM}.pdf", name)
    code, refusal = jixiao_parse(scan, "--year", "2023")
    assert code == 2, refusal
    assert isinstance(refusal, str) and "UnreadableScan" in refusal, refusal
    assert "stands between two cells of a table row" in refusal and name[:4] in refusal, refusal


SCAN_LINES = Path(__file__).resolve().parents[1] / "fixtures" / "scan_lines"
SPREAD_LABEL = SCAN_LINES / "spread_label_colour_jpeg_300.png"


def test_a_label_spread_across_its_cell_is_read_whole() -> None:
    """主 要 实 施 内 容, the key tasks' header set apart across its cell (黄埔's form as its producer
    spread its labels), scanned as a colour JPEG at 300 dpi: the line the recogniser was given, read
    off that scan. With its gaps, five ideographs wide each, it was read 主要实施容, and the header
    row its page printed again was taken for a task; its gaps closed up, the label is read whole."""
    spread = cv2.imread(str(SPREAD_LABEL), cv2.IMREAD_GRAYSCALE)
    height, width = spread.shape
    image, _, columns = line_image(spread, (0, 0, width, height))
    (read,) = read_line_images([image])
    assert read.text == "主要实施内容"
    assert len(columns) < width / 2


@pytest.mark.skipif(not NOTO_SERIF.exists(), reason="needs fonts-noto-cjk")
@pytest.mark.parametrize("printed", ["预算金额（万元）", "（一）部门概况", "达到 90 %。"])
def test_print_set_close_keeps_every_gap(printed: str) -> None:
    """A full-width bracket's blank half and a space before a figure are gaps of print set close:
    none is closed up, or a bracket's width could no longer be told (`bracket_widths`)."""
    size = 34
    font = ImageFont.truetype(str(NOTO_SERIF), size, index=2)
    strip = Image.new("L", (int(font.getlength(printed)) + 40, 2 * size), 255)
    ImageDraw.Draw(strip).text((20, size // 2), printed, font=font, fill=0)
    line = np.array(strip)
    assert np.array_equal(closed_up(line), np.arange(line.shape[1]))
