"""`jixiao` command line: parse one document, run the nightly pipeline, query the marts, write the report."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import date
from importlib.metadata import version
from pathlib import Path

from ingest.errors import DocumentError, ParserFailure
from jixiao.runtime.settings import Settings, SettingsError

FIRST_FISCAL_YEAR = 1990  # as reconciliation's check 6a: disclosures began in the 1990s
log = logging.getLogger("jixiao.cli")


def printable(text: str) -> str:
    """`text` on one line whatever it holds: control characters (a newline, an ANSI escape in a
    file name) written as Python escapes, so a name can neither split the line nor drive the
    terminal. Chinese and every other printable character stay as they are."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def refuse(kind: str, path: object, reason: str) -> int:
    """The one line a refused input gets on stderr, and the exit code that goes with it."""
    print(f"jixiao: {kind}: {printable(str(path))}: {printable(reason)}", file=sys.stderr)
    return 2


def log_to_file(settings: Settings) -> Path:
    """Library log records (pdfminer's warnings about fonts …) and unexpected errors' traces go to a
    file in the state folder, never to stderr, which holds the one line of a refused input."""
    path = settings.state.cli_log
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    # With a handler on the root logger, Python's last-resort handler (stderr) is never used.
    if not any(getattr(handler, "baseFilename", None) == str(path) for handler in root.handlers):
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    logging.captureWarnings(True)
    return path


def _cmd_parse(args: argparse.Namespace) -> int:
    from ingest.contract import to_json
    from jixiao.cli.tables import print_document
    from jixiao.runtime.limits import parse_bounded

    settings = Settings.from_env()
    log_path = log_to_file(settings)
    last_year = date.today().year + 1
    if args.year is not None and not FIRST_FISCAL_YEAR <= args.year <= last_year:
        return refuse(
            "BadArgument",
            args.file,
            f"--year {args.year} is no fiscal year ({FIRST_FISCAL_YEAR} … {last_year})",
        )
    try:
        document = parse_bounded(
            Path(args.file),
            year=args.year,
            departments_seed=settings.departments_seed,
            timeout_seconds=settings.parse_timeout_seconds,
            ocr_page_seconds=settings.ocr_page_seconds,
            memory_mb=settings.parse_memory_mb,
        )
    except DocumentError as exc:
        return refuse(exc.kind, exc.path, exc.detail)
    except Exception as exc:  # a bug or a library's surprise: refused like the rest, traced in the log
        log.exception("parsing %s failed unexpectedly", printable(args.file))
        failure = ParserFailure.unexpected(args.file, exc)
        return refuse(failure.kind, args.file, f"{failure.detail} (trace in {log_path})")
    if args.json:
        print(to_json(document))
    else:
        print_document(document)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from jixiao.cli.run import run_pipeline

    return run_pipeline(quiet=args.quiet, full_rebuild=args.full_rebuild)


def _cmd_sql(args: argparse.Namespace) -> int:
    from jixiao.cli.sql import QueryError, print_result, run_query

    warehouse = Path(args.warehouse) if args.warehouse else Settings.from_env().warehouse
    try:
        columns, rows = run_query(warehouse, args.query)
    except QueryError as exc:
        print(f"jixiao sql: {exc}", file=sys.stderr)
        return 2
    print_result(columns, rows, args.format)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from jixiao.stages.report import write_report

    warehouse = Path(args.warehouse) if args.warehouse else Settings.from_env().warehouse
    target = Path(args.output) if args.output else warehouse.with_name("report.html")
    print(write_report(warehouse, target, args.run_id))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jixiao", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('jixiao')}")
    commands = parser.add_subparsers(dest="command", required=True)

    parse = commands.add_parser("parse", help="parse one PDF and print its records")
    parse.add_argument("file", help="a 申报表, 项目支出绩效目标表 or 自评报告 PDF")
    parse.add_argument("--json", action="store_true", help="print the JSON contract instead of tables")
    parse.add_argument("--year", type=int, help="fiscal year, when neither the PDF nor its path says it")
    parse.set_defaults(handler=_cmd_parse)

    run = commands.add_parser(
        "run",
        help="run the night once (both DAGs through dag.test(), in one child process), then show a mart",
    )
    run.add_argument("--quiet", action="store_true", help="hide Airflow's task logs unless it fails")
    run.add_argument(
        "--full-rebuild",
        action="store_true",
        help="build the warehouse in full, not from the served one (as after a change of code)",
    )
    run.set_defaults(handler=_cmd_run)

    sql = commands.add_parser("sql", help="query the served warehouse read-only and print the result")
    sql.add_argument("query", help='e.g. "select * from marts.mart_high_tech_enterprise_trend"')
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sql.add_argument("--warehouse", help="another DuckDB file than JIXIAO_WAREHOUSE")
    sql.set_defaults(handler=_cmd_sql)

    report = commands.add_parser("report", help="write the static HTML report of a warehouse")
    report.add_argument("--warehouse", help="another DuckDB file than JIXIAO_WAREHOUSE")
    report.add_argument("--output", help="the HTML file to write (default: report.html beside the warehouse)")
    report.add_argument("--run-id", help="show the reconciliation of this run (default: the latest)")
    report.set_defaults(handler=_cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except SettingsError as error:
        # A mistyped setting is the operator's to fix: one line naming it, not a traceback.
        print(f"jixiao: SettingsError: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
