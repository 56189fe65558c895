"""The `cds` command: serve, evaluate a file offline, report on feedback, purge old rows."""

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from cds.exceptions import CdsError, InvalidDocument


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from cds.api.server import SERVER_OPTIONS
    from cds.security.startup import UnsafeConfiguration, check_startup
    from cds.settings import Settings

    try:
        check_startup(Settings(), host=args.host)
    except UnsafeConfiguration as exc:
        return _fail(str(exc))
    uvicorn.run(
        "cds.api.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        **SERVER_OPTIONS,
    )
    return 0


def _when(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _evaluate(args: argparse.Namespace) -> int:
    from cds.cli.card_text import render_text
    from cds.data.documents import record_from_document
    from cds.evaluation import evaluate

    try:
        document = orjson.loads(Path(args.file).read_bytes())
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror}")
    except orjson.JSONDecodeError as exc:
        return _fail(f"{args.file} is not valid JSON: {exc.msg} (line {exc.lineno})")
    if not isinstance(document, dict):
        return _fail(f"{args.file} holds no JSON object")
    try:
        hook, record = record_from_document(document)
    except InvalidDocument as exc:
        return _fail(f"{args.file}: {exc.message}")
    from cds.settings import Settings

    evaluation = evaluate(record, hook, args.now or Settings().now or datetime.now(UTC))
    if args.format == "json":
        cards = [card.card for card in evaluation.cards]
        sys.stdout.write(orjson.dumps({"cards": cards}, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(render_text(evaluation) + "\n")
    return 0


def _report(args: argparse.Namespace) -> int:
    from cds.cli.report_text import format_report
    from cds.settings import Settings
    from cds.store import Store

    try:
        store = Store.open(Settings().database_url)
    except CdsError as exc:
        return _fail(exc.message)
    try:
        report = store.report(since=args.since)
    finally:
        store.close()
    sys.stdout.write(format_report(report, args.format) + "\n")
    return 0


def _purge(args: argparse.Namespace) -> int:
    from cds.settings import Settings
    from cds.store import Store

    settings = Settings()
    now = datetime.now(UTC)
    before = (settings.now or now) - timedelta(days=args.days or settings.retention_days)
    try:
        with Store.open(settings.database_url) as store:
            deleted = store.purge(before=before, tokens_expired_by=now)
    except CdsError as exc:
        return _fail(exc.message)
    counts = ", ".join(f"{rows} {table}" for table, rows in deleted.items())
    sys.stdout.write(f"deleted what is older than {before:%Y-%m-%d %H:%M %Z}: {counts}\n")
    return 0


def _fail(message: str) -> int:
    sys.stderr.write(f"cds: {message}\n")
    return 2


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="cds", description="Spinal-origin CDS Hooks service")
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the CDS Hooks API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=_serve)

    evaluate = commands.add_parser("evaluate", help="print the cards for a request or Bundle file")
    evaluate.add_argument("file")
    evaluate.add_argument("--format", choices=("text", "json"), default="text")
    evaluate.add_argument("--now", type=_when, help="evaluate as of this time (ISO 8601)")
    evaluate.set_defaults(run=_evaluate)

    report = commands.add_parser("report", help="cards issued, accepted, overridden, ignored")
    report.add_argument("--since", type=_when)
    report.add_argument("--format", choices=("text", "json", "csv"), default="text")
    report.set_defaults(run=_report)

    purge = commands.add_parser(
        "purge", help="delete issued cards, feedback and audit rows past the retention period"
    )
    purge.add_argument(
        "--days", type=int, help="keep this many days (default: CDS_RETENTION_DAYS, 400)"
    )
    purge.set_defaults(run=_purge)
    from cds.cli.population import add_commands

    add_commands(commands, _when)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
