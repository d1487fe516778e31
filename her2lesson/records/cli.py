"""The records commands of `her2lesson`: create a cohort, see its results, check a certificate, erase a learner,
purge old records.

Each says what went wrong in one line and exits with 1 (unknown cohort or code, a store it cannot open); none
prints a traceback for those. Every command takes --data-dir and --database-url (see store.py for the order).
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ..class_ready import Readiness
from ..quiz.ledger import ScoredCheck
from . import codes
from .certificates import Verification, verify
from .errors import StoreError
from .results import CohortResults, question_prompts
from .store import Store, add_store_options, open_store


def _store(args: argparse.Namespace) -> Store:
    return open_store(args.database_url, args.data_dir, content_root=getattr(args, "content_dir", None))


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def _guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn the errors a person can fix into one line on stderr and exit code 1."""
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except StoreError as error:
            return _fail(str(error))
        except (ValueError, OSError) as error:
            return _fail(f"her2lesson {args.command}: {error}")
    return run


def _link(host: str, port: int, join_code: str) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/?cohort={join_code}"


def cmd_cohort_create(args: argparse.Namespace) -> int:
    with _store(args) as store:
        cohort = store.create_cohort(args.name)
    print(f"Cohort: {cohort.name} (id {cohort.id})")
    print(f"Join link for learners: {_link(args.host, args.port, cohort.join_code)}")
    print(f"Educator code: {cohort.educator_code}")
    print("Keep the educator code private: it opens the class results and is shown only now.")
    print(f"Results: her2lesson results {cohort.educator_code}")
    return 0


def readiness_line(status: Readiness) -> str:
    """One plain line about how ready the server is for the class."""
    if not status.granted:
        return f"No class is announced. Kernels ready now: {status.ready}."
    line = (f"Getting ready for {status.asked} learners: {status.granted} places kept for about "
            f"{status.minutes_left} min; {status.ready} ready now, {status.starting} starting.")
    if status.limited_by:
        line += f" Fewer places than asked: the server's {status.limited_by} allows no more."
    return line


def cmd_cohort_ready(args: argparse.Namespace) -> int:
    import getpass
    import os

    from ..class_ready import ReadyRefused, ask_server

    code = os.environ.get("HER2LESSON_EDUCATOR_CODE", "")
    if not code:
        if not sys.stdin.isatty():
            return _fail("her2lesson cohort ready: set HER2LESSON_EDUCATOR_CODE, or run it in a terminal to type "
                         "the educator code")
        code = getpass.getpass("Educator code (not shown): ")
    try:
        status = ask_server(args.url, code.strip(), args.learners, args.minutes)
        print(readiness_line(status), flush=True)
        deadline = time.monotonic() + args.wait
        while args.wait and status.granted and status.ready < status.granted and time.monotonic() < deadline:
            time.sleep(2)
            status = ask_server(args.url, code.strip())
            print(readiness_line(status), flush=True)
    except ReadyRefused as refused:
        return _fail(f"her2lesson cohort ready: {refused}")
    return 0


def _find_cohort(store: Store, text: str):
    """A cohort by its educator code or its id."""
    canonical = codes.normalise(text)
    if codes.is_canonical(canonical, codes.EDUCATOR_LENGTH):
        return store.cohort_by_educator_code(canonical)
    if text.strip().isdigit():
        return store.cohort(int(text.strip()))
    return None


def _from_content(content_root: Path | None) -> tuple[ScoredCheck | None, dict[str, str]]:
    """The content's scored check (which bank, how many answers it scores) and each question's words.

    The totals only when the content has no problems (else scores are out of the questions answered); the words even
    while a writer is mid-edit, since the questions that load still name themselves. Nothing if it cannot be read.
    """
    try:
        from ..content import check
        from ..quiz.section import scored_check
        content, problems = check(content_root)
    except Exception:  # noqa: BLE001 - results still work from the ids alone
        return None, {}
    scored = scored_check(content)
    if scored is not None and problems:
        scored = ScoredCheck(scored.section)
    return scored, question_prompts(content)


PROMPT_WIDTH = 60  # in the terminal table; the CSV holds the whole text


def _shortened(text: str) -> str:
    return text if len(text) <= PROMPT_WIDTH else text[:PROMPT_WIDTH - 1].rstrip() + "\u2026"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]


def _rate(count: int, total: int) -> str:
    return f"{round(100 * count / total)}% ({count}/{total})" if total else "-"


def _ago(seconds: float) -> str:
    days = max(0, int(seconds // 86400))
    return "today" if days == 0 else "1 day ago" if days == 1 else f"{days} days ago"


def format_results(results: CohortResults, now: float | None = None) -> str:
    """The results as two plain-text tables, for a terminal."""
    now = time.time() if now is None else now
    out = [f"Cohort: {results.cohort.name} (id {results.cohort.id}), {len(results.learners)} learner(s)", ""]
    out.append("Questions, most missed first:")
    if results.questions:
        out += _table(("question", "section", "learners", "attempts", "right first time", "right in the end",
                       "question text"),
                      [(q.question_id, q.section, str(q.learners), str(q.attempts),
                        _rate(q.right_first_time, q.learners), _rate(q.right_in_the_end, q.learners),
                        _shortened(results.prompt(q.question_id)))
                       for q in results.questions], right={2, 3, 4, 5})
    else:
        out.append("(no answers yet)")
    out += ["", "Learners (by the start of their resume code):"]
    if results.learners:
        def final(p) -> str:
            if p.final_percent is None:
                return "not started"
            return f"{p.final_percent}% ({p.final_right}/{p.final_total or p.final_answered})"
        out += _table(("learner", "track", "language", "sections visited", "questions answered", "final check",
                       "last seen"),
                      [(p.label, p.track, p.lang, str(p.sections_visited), str(p.questions_answered), final(p),
                        _ago(now - p.last_seen)) for p in results.learners],
                      right={3, 4, 5})
    else:
        out.append("(no learners have joined yet)")
    return "\n".join(out)


def cmd_results(args: argparse.Namespace) -> int:
    with _store(args) as store:
        cohort = _find_cohort(store, args.cohort)
        if cohort is None:
            return _fail(f"No cohort has the educator code or id '{args.cohort[:40]}'. Use the educator code printed "
                         "by `her2lesson cohort create`, or the cohort's id.")
        scored, prompts = _from_content(getattr(args, "content_dir", None))
        results = store.results(cohort.id, scored=scored, lang=args.lang)
    results = dataclasses.replace(results, prompts=prompts)
    print(format_results(results))
    if args.csv:
        written = results.to_csv(args.csv)
        print("\nWrote " + " and ".join(str(p) for p in written))
    return 0


def format_verification(v: Verification) -> str:
    """What `her2lesson verify` prints: the verdict first, then what the certificate says."""
    c = v.certificate
    if c is None:
        return (f"Not genuine: no certificate has the ID '{v.typed_id}'. Check the ID as printed (12 letters and "
                "digits, like K7M4-QX9T-D2A8) and that these are the records of the provider named on it.")
    lines = [f"Certificate {c.id}: " + ("genuine." if v.genuine else "issued, but NOT to that name."),
             f"Issued: {c.issued.isoformat()}",
             f"Final check score: {c.score}% (pass mark {c.pass_mark}%)",
             f"Contact hours: {c.contact_hours:g}",
             f"Provider: {c.provider}"]
    if v.name_match is not None:
        lines.append("Name: matches the name given" if v.name_match else "Name: does not match the name given")
    else:
        lines.append("Name: not checked (add --name \"NAME AS PRINTED\" to check it)")
    return "\n".join(lines)


def cmd_verify(args: argparse.Namespace) -> int:
    with _store(args) as store:
        result = verify(store, args.id, args.name)
    print(format_verification(result))
    return 0 if result.genuine else 1


def cmd_erase(args: argparse.Namespace) -> int:
    if args.hub_user is not None:
        return _erase_hub_user(args)
    if not args.code:
        return _fail("Give the learner's resume code, or --hub-user NAME for a learner who signs in through "
                     "JupyterHub.")
    with _store(args) as store:
        erased = store.erase(args.code)
    if not erased:
        return _fail("No learner has that resume code (nothing was erased). Check the code: it has 9 letters and "
                     "digits, like K7M-4QX-9TD.")
    print(f"Erased the learner record {codes.short(args.code)} and all its answers.")
    return 0


def _erase_hub_user(args: argparse.Namespace) -> int:
    """A hub user never sees a resume code: their record is found by the same one-way key the server derives from
    their user name (identity.py), with the same secret, so the name itself is never looked up or stored."""
    from .. import identity

    name = str(args.hub_user).strip()
    with _store(args) as store:
        secret = identity.secret_from_env() or store.identity_secret()
        learner = store.find_external_learner(identity.learner_key("hub", name, secret)) if name else None
        erased = learner is not None and store.erase(learner.resume_code)
    if not erased:
        return _fail("No learner has signed in through JupyterHub with that user name on these records (nothing was "
                     "erased). Check the name, and that HER2LESSON_IDENTITY_SECRET is the one the hub's server uses.")
    print("Erased the record of that JupyterHub user and all its answers.")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    with _store(args) as store:
        removed = store.purge(args.older_than)
    print(f"Removed {removed} learner record(s) not seen for {args.older_than} day(s) or more.")
    return 0


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 1:
        raise argparse.ArgumentTypeError("must be a whole number of days, 1 or more")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    """Add `cohort create`, `results`, `verify`, `erase` and `purge` to the `her2lesson` command."""
    where = argparse.ArgumentParser(add_help=False)
    add_store_options(where)

    cohort = sub.add_parser("cohort", help="create a cohort (a class) and its join link",
                            description="Manage cohorts: a class whose results an educator can see.")
    cohort_sub = cohort.add_subparsers(dest="cohort_command", required=True)
    create = cohort_sub.add_parser("create", parents=[where], help="create a cohort; print its join link and "
                                   "educator code", description="Create a cohort; print its join link and the "
                                   "educator code that opens its results.")
    create.add_argument("name", help='a name the educator recognises, e.g. "Ward 5, March"')
    create.add_argument("--host", default="127.0.0.1", help="host in the join link (default: 127.0.0.1)")
    create.add_argument("--port", type=int, default=8866, help="port in the join link (default: 8866)")
    create.set_defaults(func=_guarded(cmd_cohort_create))

    ready = cohort_sub.add_parser(
        "ready", help="keep kernels ready on a running server for a class about to open the link",
        description="Tell a running server that N learners will open the link at once, so their pages find a "
        "kernel waiting instead of queueing for cold starts. Places are kept for MINUTES or until N pages were "
        "served, within the server's learner cap and free memory; 0 calls the class off. The educator code of any "
        "cohort on that server is asked for (or read from $HER2LESSON_EDUCATOR_CODE), never put on the command "
        "line.")
    ready.add_argument("learners", type=int, metavar="N", help="how many learners are about to arrive")
    ready.add_argument("--url", default="http://127.0.0.1:8866/",
                       help="the running server (default: http://127.0.0.1:8866/)")
    ready.add_argument("--minutes", type=float, default=30, help="how long to keep the places (default: 30)")
    ready.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                       help="report progress every 2 s until all places are ready, at most SECONDS")
    ready.set_defaults(func=_guarded(cmd_cohort_ready))

    results = sub.add_parser("results", parents=[where], help="a cohort's results per question and per learner",
                             description="Print a cohort's correct rate per question (most missed first) and "
                             "each learner's completion; optionally write them as CSV.")
    results.add_argument("cohort", metavar="COHORT", help="the educator code, or the cohort's id")
    results.add_argument("--lang", default=None, metavar="LANG",
                         help="only the learners who chose this language (e.g. es); default: everyone")
    results.add_argument("--csv", type=Path, metavar="PATH",
                         help="also write PATH's stem + -questions.csv and -learners.csv")
    results.set_defaults(func=_guarded(cmd_results))

    check = sub.add_parser("verify", parents=[where], help="check that a certificate of completion is genuine",
                           description="Check a certificate by its ID: print whether it is genuine, its date, score "
                           "and provider. Exit code 0 when genuine (and, with --name, issued to that name), 1 when "
                           "not.")
    check.add_argument("id", metavar="ID", help="the certificate ID as printed (case, spaces and dashes ignored)")
    check.add_argument("--name", default=None,
                       help="the name printed on the certificate, to check it is the name it was issued to")
    check.set_defaults(func=_guarded(cmd_verify))

    erase = sub.add_parser("erase", parents=[where], help="delete one learner's record and answers",
                           description="Delete one learner's record completely, answers too.")
    erase.add_argument("code", metavar="CODE", nargs="?", default="",
                       help="the learner's resume code (case, spaces and dashes ignored)")
    erase.add_argument("--hub-user", metavar="NAME", default=None,
                       help="instead of a code: the JupyterHub user name of a learner who signs in through the hub")
    erase.set_defaults(func=_guarded(cmd_erase))

    purge = sub.add_parser("purge", parents=[where], help="delete learners not seen for a number of days",
                           description="Delete every learner record (answers too) not seen for DAYS days.")
    purge.add_argument("--older-than", type=_days, required=True, metavar="DAYS", help="days since last seen")
    purge.set_defaults(func=_guarded(cmd_purge))
