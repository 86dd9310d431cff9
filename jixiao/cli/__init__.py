"""`jixiao` command line: parse one document, run the nightly pipeline, query the marts, write the report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ingest.errors import DocumentError
from jixiao.settings import Settings


def _cmd_parse(args: argparse.Namespace) -> int:
    from ingest.contract import to_json
    from ingest.departments import DepartmentDirectory
    from ingest.document import parse_document
    from jixiao.cli.tables import print_document

    departments = DepartmentDirectory.from_seed(Settings.from_env().departments_seed)
    try:
        document = parse_document(Path(args.file), year=args.year, departments=departments)
    except DocumentError as exc:
        print(f"jixiao: {exc.kind}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(to_json(document))
    else:
        print_document(document)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from jixiao.cli.run import run_pipeline

    return run_pipeline(quiet=args.quiet)


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
    from jixiao.report import write_report

    warehouse = Path(args.warehouse) if args.warehouse else Settings.from_env().warehouse
    target = Path(args.output) if args.output else warehouse.with_name("report.html")
    print(write_report(warehouse, target, args.run_id))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jixiao", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    parse = commands.add_parser("parse", help="parse one PDF and print its records")
    parse.add_argument("file", help="a 申报表, 项目支出绩效目标表 or 自评报告 PDF")
    parse.add_argument("--json", action="store_true", help="print the JSON contract instead of tables")
    parse.add_argument("--year", type=int, help="fiscal year, when neither the PDF nor its path says it")
    parse.set_defaults(handler=_cmd_parse)

    run = commands.add_parser("run", help="run the nightly DAG once (airflow dags test), then show a mart")
    run.add_argument("--quiet", action="store_true", help="hide Airflow's task logs unless it fails")
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
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
