"""The `her2lesson` command: serve the module, check its content, exchange quiz banks."""
from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from . import __version__
from .paths import CONTENT_ENV, content_dir, dashboard_notebook
from .records.cli import register as register_records
from .records.store import add_store_options
from .settings import LessonSettings


def _check(root: Path):
    """The checked content, or None after printing every problem."""
    from .content import check

    content, problems = check(root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"\n{len(problems)} problem(s) in the content under {root}. Fix them, then run `her2lesson check` again.",
              file=sys.stderr)
        return None
    return content


def cmd_check(args: argparse.Namespace) -> int:
    code = 0 if _check(args.content_dir) is not None else 1
    if code == 0:
        print(f"Content under {args.content_dir} is ready: no problems found.")
    return code


HUB_HELP = ("--hub: run `her2lesson serve --hub` from JupyterHub, as a managed service (deploy/jupyterhub_config.py); "
            "the hub sets {missing}")


def _hub_place(args: argparse.Namespace) -> str | None:
    """With --hub, fill in the address, port and base URL the hub gave the service (unless given); None when all is
    in order, else the one-line reason the server cannot start."""
    if not args.hub:
        args.host, args.port = args.host or "127.0.0.1", args.port or 8866
        return None
    try:
        from .hub import missing_environment
    except ImportError:
        return "--hub needs the jupyterhub package beside her2lesson: pip install jupyterhub"
    missing = missing_environment()
    if missing:
        return HUB_HELP.format(missing=", ".join(missing))
    from urllib.parse import urlsplit

    given = urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", ""))
    args.host = args.host or given.hostname or "127.0.0.1"
    args.port = args.port or given.port or 8866
    args.base_url = args.base_url or os.environ["JUPYTERHUB_SERVICE_PREFIX"]
    args.behind_proxy = True  # the hub's proxy is the way in, and it says who the client is (X-Forwarded-For)
    return None


def _lti_problem(args: argparse.Namespace) -> str | None:
    """--lti-config FILE: read and checked now (the server then reads it again); None if it can be used."""
    from .lti.config import LtiConfigError, load

    args.lti_config = str(Path(args.lti_config).resolve())
    try:
        load(args.lti_config)
    except LtiConfigError as error:
        return f"--lti-config: {error}"
    return None


def cmd_serve(args: argparse.Namespace) -> int:
    problem = _hub_place(args)
    base_url = args.base_url or "/"
    if not problem and not (base_url.startswith("/") and base_url.endswith("/")):
        problem = f"--base-url {base_url!r}: give a path that starts and ends with /, e.g. /lesson/"
    if not problem and args.lti_config:
        problem = _lti_problem(args)
    if problem:
        print(problem, file=sys.stderr)
        print("The server did not start.", file=sys.stderr)
        return 1
    root = args.content_dir
    content = _check(root)
    if content is None:
        print("The server did not start, so that no learner sees a broken module.", file=sys.stderr)
        return 1
    settings = LessonSettings.from_args(args)
    from .records import StoreError, open_store, store_env

    try:  # open the learner records now, so a broken store stops the server with one clear line
        with open_store(args.database_url, args.data_dir, content_root=root) as store:
            purged = store.purge(args.retention_days) if args.retention_days > 0 else 0
            where = store.location
    except StoreError as error:
        print(f"Learner records: {error}", file=sys.stderr)
        print("The server did not start, so that no learner's answers are lost.", file=sys.stderr)
        return 1
    os.environ.update(settings.to_env())
    os.environ.update(store_env(args.database_url, args.data_dir))
    os.environ[CONTENT_ENV] = str(root)
    from .content.library import SNAPSHOT_ENV, write_snapshot

    snapshot_dir = Path(tempfile.mkdtemp(prefix="her2lesson-"))  # private (0700), removed when the server stops
    atexit.register(shutil.rmtree, snapshot_dir, True)
    os.environ[SNAPSHOT_ENV] = str(write_snapshot(content, snapshot_dir))
    from .class_ready import SELF_URL_ENV, own_server_url
    from .server import run, voila_argv

    # the educator view's "get ready" reaches it
    os.environ[SELF_URL_ENV] = own_server_url(args.host, args.port) + base_url.lstrip("/")

    notebook = str(dashboard_notebook())
    host_shown = "127.0.0.1" if args.host in ("", "0.0.0.0") else args.host
    print(f"her2lesson {__version__}: serving the module at http://{host_shown}:{args.port}{base_url}"
          + (" for JupyterHub: learners sign in to the hub and open it at " + base_url if args.hub else ""),
          flush=True)
    if settings.facilitator_code:
        # The code itself never goes into a link or a log: the facilitator types it on the page.
        print(f"Group sessions: open http://{host_shown}:{args.port}{base_url}?facilitator and type the facilitator "
              "code", flush=True)
    print(f"Learner records: {where}" + (f" ({purged} record(s) older than {args.retention_days:g} days removed)"
                                         if purged else ""), flush=True)
    if args.lti_config:
        print(f"LTI 1.3 tool: platforms launch at http://{host_shown}:{args.port}{base_url}lti/launch; what an "
              f"administrator enters: {base_url}lti/config", flush=True)
    print("Press Ctrl+C to stop.", flush=True)
    run(voila_argv(notebook, args.host, args.port, args.cull_idle, args.pool_size, args.max_learners,
                   args.unconnected_grace, args.behind_proxy, base_url, args.hub, args.lti_config or ""))
    return 0


def _project_root(args: argparse.Namespace) -> Path | None:
    """Where `import-quiz` and `export-quiz` work: the folder given (`--content-dir`, before or after the command,
    or $HER2LESSON_CONTENT_DIR); else the project the working folder is in (the nearest folder, here or above,
    holding data/questions/); else None. Never the installed package's own folder by default: in a non-editable
    install that is site-packages."""
    from .paths import PACKAGE_DIR

    if getattr(args, "quiz_content_dir", None):
        return Path(args.quiz_content_dir)
    if os.environ.get(CONTENT_ENV) or (args.content_dir and Path(args.content_dir) != PACKAGE_DIR.parent):
        return Path(args.content_dir)
    here = Path.cwd().resolve()
    return next((folder for folder in (here, *here.parents) if (folder / "data" / "questions").is_dir()), None)


def _installed_packages() -> list[Path]:
    """Where Python keeps installed packages (site-packages and the like): never a place for content."""
    import site
    import sysconfig

    places = [sysconfig.get_path(name) for name in ("purelib", "platlib")]
    places += list(getattr(site, "getsitepackages", list)()) + [site.getusersitepackages()]
    return [Path(p).resolve() for p in places if p]


NO_PROJECT = ("No content folder here: {here} and the folders above it hold no data/questions/. Run this inside your "
              "project's folder, or name it with --content-dir FOLDER.")


def cmd_export_quiz(args: argparse.Namespace) -> int:
    from .content import check
    from .content.jupyterquiz import export_bank

    root = _project_root(args) or args.content_dir  # reading the package's own content is harmless
    content, _ = check(root)
    bank = content.banks.get(args.section)
    if bank is None:
        print(f"No question bank {args.section!r} under {root}: choose one of {', '.join(sorted(content.banks))}",
              file=sys.stderr)
        return 1
    questions, skipped = export_bank(bank)
    text = json.dumps(questions, indent=2, ensure_ascii=False)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    if skipped:
        print(f"Left out (jupyterquiz has no matching or ordering): {', '.join(skipped)}", file=sys.stderr)
    return 0


def cmd_export_qti(args: argparse.Namespace) -> int:
    from .content import ContentError, load_content
    from .interop.qti import FLAVOUR, NothingToExport, QtiError, export_qti, item_ids

    root = _project_root(args) or args.content_dir  # reading the package's own content is harmless
    try:
        content = load_content(Path(root).resolve())
    except ContentError as error:
        print(f"{error}\n\nThe content under {root} has problems (above); fix them, then export again.",
              file=sys.stderr)
        return 1
    try:
        package, notes = export_qti(content, sections=args.section, audience=args.audience, lang=args.lang)
    except NothingToExport as error:
        for note in error.notes:
            print(note, file=sys.stderr)
        print(f"Nothing exported: {error}. No file was written.", file=sys.stderr)
        return 1
    except QtiError as error:
        print(f"export-qti: {error}", file=sys.stderr)
        return 1
    Path(args.output).write_bytes(package)
    if notes:
        print(f"Not carried as written ({len(notes)}):", file=sys.stderr)
        for note in notes:
            print(f"  {note}", file=sys.stderr)
    print(f"Wrote {len(item_ids(package))} question(s) to {args.output} as {FLAVOUR}.")
    return 0


def cmd_import_quiz(args: argparse.Namespace) -> int:
    import re

    from .content.jupyterquiz import bank_yaml, import_questions

    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", args.section):
        print(f"--section {args.section!r}: use lower case letters, digits and dashes, e.g. --section fever",
              file=sys.stderr)
        return 1
    root = _project_root(args)
    if root is None:
        print(NO_PROJECT.format(here=Path.cwd()), file=sys.stderr)
        return 1
    root = root.resolve()
    if any(root == place or place in root.parents for place in _installed_packages()):
        print(f"{root} is inside the installed Python packages, not a content folder. Name your project's folder "
              "with --content-dir FOLDER.", file=sys.stderr)
        return 1
    try:
        items = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"{args.file}: cannot be read as jupyterquiz JSON ({exc})", file=sys.stderr)
        return 1
    bank, notes = import_questions(items, args.section)
    for note in notes:
        print(f"{args.file}: {note}", file=sys.stderr)
    if not bank["questions"]:
        print(f"Nothing imported: no question in {args.file} can be carried (see above). No file was written.",
              file=sys.stderr)
        return 1
    target = root / "data" / "questions" / f"{args.section}.yaml"
    if target.exists() and not args.force:
        print(f"{target} exists: use --force to replace it, or another --section", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(bank_yaml(bank), encoding="utf-8")
    refused = sum("not imported" in note for note in notes)
    print(f"Wrote {len(bank['questions'])} question(s) to {target}"
          + (f"; {refused} not imported (listed above)" if refused else "")
          + ". Add a `source:` to each that lacks one, then run `her2lesson check`.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="her2lesson", description=__doc__)
    parser.add_argument("--version", action="version", version=f"her2lesson {__version__}")
    parser.add_argument("--content-dir", type=lambda p: Path(p).resolve(), default=None,
                        help="folder holding notebooks/ and data/ (default: the source checkout, or $%s)" % CONTENT_ENV)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="check the content, then serve the dashboard with Voila",
                           description="Check the content, then serve the dashboard with Voila.")
    serve.add_argument("--host", default=None, help="address to listen on (default: 127.0.0.1, or the hub's "
                                                    "service address with --hub)")
    serve.add_argument("--port", type=int, default=None, help="port to listen on (default: 8866, or the hub's "
                                                              "service port with --hub)")
    serve.add_argument("--base-url", default=None, metavar="PATH",
                       help="serve every page, file and websocket under this path, e.g. /lesson/ behind a proxy "
                            "that keeps the path (default: /, or the hub's /services/NAME/ with --hub)")
    serve.add_argument("--hub", action="store_true",
                       help="run as a JupyterHub-managed service: learners sign in to the hub, and each hub user "
                            "is one learner with no resume code (deploy/jupyterhub_config.py; needs the jupyterhub "
                            "package)")
    serve.add_argument("--lti-config", default=None, metavar="FILE",
                       help="be an LTI 1.3 tool for learning platforms (Moodle, Canvas, ...): a JSON file naming "
                            "the platforms and the tool's private key (deploy/lti-config.example.json; README: "
                            "Using it from your LMS)")
    LessonSettings.add_options(serve)  # --pass-mark, --provider, ...: declared once, in settings.py
    serve.add_argument("--cull-idle", type=int, default=600, metavar="SECONDS",
                       help="shut down kernels whose page is gone after this many idle seconds (default: 600)")
    serve.add_argument("--pool-size", type=int, default=2,
                       help="kernels kept started and ready, so a learner's page is usable at once (default: 2; "
                            "each costs about 55 MB; 0 turns preheating off)")
    serve.add_argument("--max-learners", type=int, default=150, metavar="N",
                       help="most learners at once on this server; more see a plain 'the module is full, try again "
                            "in a minute' page (default: 150, about 8 GB; 0: no limit)")
    serve.add_argument("--unconnected-grace", type=int, default=60, metavar="SECONDS",
                       help="shut down a page's kernel if the page has not connected after this long (a page "
                            "fetched by a script, or abandoned while loading; default: 60)")
    serve.add_argument("--behind-proxy", action="store_true",
                       help="a reverse proxy (deploy/nginx.conf) is the only way in: take each client's address "
                            "from its X-Forwarded-For header, so per-address limits apply per learner's network "
                            "and not to the proxy")
    add_store_options(serve)  # --data-dir, --database-url: the same as the records commands
    serve.add_argument("--retention-days", type=float, default=365,
                       help="remove records of learners not seen for this many days, at start (0: keep; default 365)")
    serve.set_defaults(func=cmd_serve)

    check = sub.add_parser("check", help="check every content file and report problems",
                           description="Check every content file; print file:line: item: problem (fix).")
    check.set_defaults(func=cmd_check)

    export = sub.add_parser("export-quiz", help="write a question bank as jupyterquiz JSON",
                            description="Write a section's question bank in jupyterquiz's JSON format.")
    export.add_argument("section", help="the bank, e.g. testing")
    export.add_argument("-o", "--output", help="file to write (default: print)")
    export.add_argument("--content-dir", dest="quiz_content_dir", type=lambda p: Path(p).resolve(), default=None,
                        help="the project folder to read (default: the project the working folder is in)")
    export.set_defaults(func=cmd_export_quiz)
    qti = sub.add_parser("export-qti", help="write the question banks as a QTI package for Canvas and Moodle",
                         description="Write the question banks as an IMS QTI 1.2 zip (Canvas profile), one quiz per "
                                     "bank. What QTI cannot carry is listed, question by question.")
    qti.add_argument("output", metavar="OUT.zip", help="the zip file to write")
    qti.add_argument("--section", action="append", metavar="ID",
                     help="only this bank; repeat for more: --section testing --section symptoms (default: all)")
    qti.add_argument("--audience", choices=("patient", "nurse", "both"),
                     help="patient or nurse: the questions that track asks (with those for both); both: only those "
                          "marked for both (default: every question)")
    qti.add_argument("--lang", default="en", help="language of the questions (default: en, the only one today)")
    qti.add_argument("--content-dir", dest="quiz_content_dir", type=lambda p: Path(p).resolve(), default=None,
                     metavar="FOLDER",
                     help="the project folder to read (default: the project the working folder is in)")
    qti.set_defaults(func=cmd_export_qti)
    imported = sub.add_parser("import-quiz", help="make a question bank from jupyterquiz JSON",
                              description="Make data/questions/SECTION.yaml, in the project folder, from a "
                                          "jupyterquiz JSON file. Each question that cannot be carried is named, "
                                          "with the reason.")
    imported.add_argument("file", help="jupyterquiz JSON file")
    imported.add_argument("--section", required=True, help="section id for the new bank")
    imported.add_argument("--force", action="store_true", help="replace an existing bank")
    imported.add_argument("--content-dir", dest="quiz_content_dir", type=lambda p: Path(p).resolve(), default=None,
                          help="the project folder to write in (default: the project the working folder is in, "
                               "found by its data/questions/; never the installed package)")
    imported.set_defaults(func=cmd_import_quiz)
    register_records(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.content_dir is None:
        args.content_dir = content_dir()
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
