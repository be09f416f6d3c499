"""The `grader` command: a thin shell over plain functions that the container and batch runner call too."""

from __future__ import annotations

import argparse
import atexit
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

# Each command imports what it uses inside its function: `grader --help` and the commands that do not grade
# start without sympy, pydantic, lark or the engines (~0.4 s of imports).

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


def _add_assignment_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--assignment", metavar="PATH",
        help="rubric file or assignment folder (default: the bundled Homework 3)",
    )


def cmd_grade(args: argparse.Namespace) -> int:
    from grader import atomic
    from grader.assignment import load_assignment
    from grader.grading import grade_submission
    from grader.writers.gradescope import to_results_json, validate_results
    from grader.writers.terminal import submission_summary

    submission = Path(args.submission)
    if not submission.exists() and not submission.is_symlink():
        print(f"{submission}: no such file or folder", file=sys.stderr)
        return EXIT_USAGE
    assignment = load_assignment(args.assignment)
    result = grade_submission(submission, assignment)
    document = to_results_json(result)
    validate_results(document)
    print(submission_summary(result))  # first: the grades are seen even when the file cannot be written
    if args.output:
        try:
            atomic.write_json(Path(args.output), document)
        except OSError as exc:
            print(f"error: {args.output} could not be written: {exc.strerror or type(exc).__name__}", file=sys.stderr)
            return EXIT_USAGE
        print(f"wrote {args.output}")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from grader.rubric.schema import dumps, reference_schema, rubric_schema

    sys.stdout.write(dumps(reference_schema() if args.reference else rubric_schema()))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from grader.tools.check import check_assignment

    report = check_assignment(assignment=args.assignment, examples=not args.no_examples)
    print("\n".join(report.lines()))
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    return report.exit_code


def cmd_calibrate(args: argparse.Namespace) -> int:
    from grader.assignment import load_assignment
    from grader.tools.calibrate import from_csv, from_examples, report

    assignment = load_assignment(args.assignment)
    try:
        rows = from_csv(Path(args.csv)) if args.csv else from_examples(assignment)
    except (OSError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    print("\n".join(report(assignment, rows)))
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from grader.assignment import load_assignment
    from grader.tools.explain import (
        DOCUMENTS, UnknownPart, explain_answer, find_part, read_answer, read_document, render_explanation,
    )

    if (args.answer is None) == (args.file is None):
        both = "not both" if args.answer is not None else "e.g. grader explain --part 4.1 \"n(n+1)/2\""
        print(f"error: give the answer in quotes or with --file FILE ({both})", file=sys.stderr)
        return EXIT_USAGE
    assignment = load_assignment(args.assignment)
    document = None
    try:
        part = find_part(assignment, args.part)
        if args.file is not None and Path(args.file).suffix.lower() in DOCUMENTS:
            document, how = read_document(Path(args.file), part.id, assignment.part_ids)
            answer = document.get(part.id) or ""
            print(how)
        else:
            answer = read_answer(answer=args.answer, file=args.file)
    except (UnknownPart, OSError, ValueError) as exc:
        print(f"error: {exc.args[0] if isinstance(exc, UnknownPart) else exc}", file=sys.stderr)
        return EXIT_USAGE
    result = explain_answer(assignment=assignment, part_id=part.id, answer=answer, document=document)
    print(result.model_dump_json(indent=2) if args.json else render_explanation(part, result))
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from grader.tools.scaffold import FolderNotEmpty, new_assignment

    try:
        written = new_assignment(folder=Path(args.assignment), title=args.title)
    except FolderNotEmpty as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for path in written:
        print(f"wrote {path}")
    print(f"next: edit {args.assignment}/rubric.yaml, then run `grader check {args.assignment}`")
    return EXIT_OK


def cmd_autograder_build(args: argparse.Namespace) -> int:
    from grader.autograder.build import BuildError, build_autograder

    try:
        report = build_autograder(output=Path(args.output), assignment=args.assignment,
                                  checks=Path(args.checks) if args.checks else None,
                                  wheel=Path(args.wheel) if args.wheel else None,
                                  downloads=Path(args.downloads) if args.downloads else None)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"wrote {report.path} ({report.size / 1024:.0f} KiB): {report.wheel}, "
          f"{len(report.requirements)} pinned requirements, {len(report.files)} files")
    print("upload it to a Gradescope programming assignment (Configure Autograder → Zip file upload)")
    return EXIT_OK


def cmd_autograder_run(args: argparse.Namespace) -> int:
    from grader.autograder.run import default_root, run_autograder

    run_autograder(root=Path(args.root) if args.root else default_root(), budget=args.budget)
    return EXIT_OK


def cmd_batch(args: argparse.Namespace) -> int:
    from grader.assignment import load_assignment
    from grader.batch import OutputError, SourceError, run_batch

    assignment = load_assignment(args.assignment)
    try:
        summary = run_batch(submissions=Path(args.submissions), outdir=Path(args.output), assignment=assignment,
                            jobs=args.jobs, regrade=args.regrade)
    except (SourceError, OutputError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        # Every submission graded so far is in the journal: the same command goes on from there.
        print(f"interrupted: what was graded is kept in {args.output}; run the same command again to go on",
              file=sys.stderr)
        return 130
    print(summary.text)
    return EXIT_FAILED if summary.failed else EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    import getpass

    from grader.assignment import load_assignment
    from grader.review import NotGraded, serve_review

    outdir = Path(args.outdir)
    assignment = load_assignment(args.assignment)
    who = args.who or getpass.getuser()
    try:
        serve_review(outdir=outdir, assignment=assignment, port=args.port, who=who,
                     ready=lambda server: print(f"Review {len(server.review.items)} answers at {server.url} "
                                                f"(127.0.0.1 only; Ctrl-C to stop). Decisions go to "
                                                f"{outdir / 'overrides.json'}; `grader batch` applies them.",
                                                flush=True))
    except (NotGraded, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description="Auto-grading of written homework.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    grade = sub.add_parser("grade", help="grade one submission and write a Gradescope results.json")
    grade.add_argument("submission", help="submission folder or answers file")
    grade.add_argument("-o", "--output", metavar="FILE", help="where to write results.json")
    _add_assignment_flag(grade)
    grade.set_defaults(handler=cmd_grade)

    schema = sub.add_parser("schema", help="print the JSON Schema of rubric files")
    schema.add_argument("--reference", action="store_true", help="the schema of reference files instead")
    schema.set_defaults(handler=cmd_schema)

    check = sub.add_parser("check", help="check a rubric, its reference and its examples before grading with it")
    check.add_argument("assignment", nargs="?", metavar="ASSIGNMENT",
                       help="rubric file or assignment folder (default: the bundled Homework 3)")
    check.add_argument("--no-examples", action="store_true", help="do not grade the example submissions")
    check.set_defaults(handler=cmd_check)

    calibrate = sub.add_parser(
        "calibrate", help="compare the text rubric with a TA's scores (examples or a CSV) and suggest phrases"
    )
    calibrate.add_argument("--csv", metavar="FILE", help="TA-scored answers: a CSV with columns part, answer, score")
    _add_assignment_flag(calibrate)
    calibrate.set_defaults(handler=cmd_calibrate)

    explain = sub.add_parser("explain", help="show how one answer to one part is read, matched and scored")
    explain.add_argument("answer", nargs="?", help="the answer, in quotes")
    explain.add_argument("--part", required=True, metavar="ID", help="part id, e.g. 4.2")
    explain.add_argument("--file", metavar="FILE", help="read the answer from FILE (- for standard input)")
    explain.add_argument("--json", action="store_true", help="print the part's result as JSON")
    _add_assignment_flag(explain)
    explain.set_defaults(handler=cmd_explain)

    new = sub.add_parser("new", help="create a new assignment folder: rubric, reference, schema, examples")
    new.add_argument("assignment", metavar="ASSIGNMENT", help="folder to create; its name is the assignment id")
    new.add_argument("--title", help="the assignment's title (default: its id)")
    new.set_defaults(handler=cmd_new)

    autograder = sub.add_parser("autograder", help="build or run the Gradescope autograder")
    actions = autograder.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser("build", help="write the zip to upload to a Gradescope programming assignment")
    build.add_argument("-o", "--output", metavar="ZIP", default="autograder.zip", help="default: autograder.zip")
    _add_assignment_flag(build)
    build.add_argument("--checks", metavar="DIR", help="folder of unittest checks (gradescope-utils) to run too")
    build.add_argument("--wheel", metavar="FILE", help="a built grader wheel (default: build one from the grader running)")
    build.add_argument("--downloads", metavar="DIR", help="keep the downloaded target wheels here between builds")
    build.set_defaults(handler=cmd_autograder_build)
    run = actions.add_parser("run", help="grade ROOT/submission into ROOT/results/results.json, as in the container")
    run.add_argument("--root", metavar="DIR", help="container root (default: $GRADER_AUTOGRADER_ROOT or /autograder)")
    run.add_argument("--budget", metavar="SECONDS", type=float, help="time for the whole run (default: the rubric's)")
    run.set_defaults(handler=cmd_autograder_run)

    batch = sub.add_parser("batch", help="grade a whole class: results, grades CSV, report with answer groups")
    batch.add_argument("submissions", metavar="SUBMISSIONS",
                       help="folder of submissions, or a Gradescope 'Export Submissions' zip or folder")
    batch.add_argument("-o", "--output", metavar="OUTDIR", required=True, help="where to write everything")
    _add_assignment_flag(batch)
    batch.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: one per core)")
    batch.add_argument("--regrade", action="store_true",
                       help="after a rubric or reference edit: write regrade.csv (who changed, by how much, on which item)")
    batch.set_defaults(handler=cmd_batch)

    review = sub.add_parser("review", help="a local page to review a batch's flagged answers and groups")
    review.add_argument("outdir", metavar="OUTDIR", help="the folder `grader batch -o` wrote")
    _add_assignment_flag(review)
    review.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    review.add_argument("--who", help="name recorded with each decision (default: your user name)")
    review.set_defaults(handler=cmd_review)
    return parser


# Commands that leave without tearing the interpreter down (see `run`): each writes its files atomically and
# closes them before it returns.
QUICK_EXIT = frozenset({"grade", "explain", "schema", "check", "new"})


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return _dispatch(args)


def run(argv: Sequence[str] | None = None) -> None:
    """The `grader` command (console script and `python -m grader`): `main`, then, for the commands in
    QUICK_EXIT, flush the output, run the exit handlers and end the process without the interpreter's teardown
    (freeing every module and object one by one: about 0.1 s, a fifth of a cold `grader grade`)."""
    args = build_parser().parse_args(argv)
    code = _dispatch(args)
    from grader.formula import fast  # the switch of every fast path (light: the engine itself is not loaded)

    if args.command not in QUICK_EXIT or not fast.ENABLED or sys.gettrace() or sys.getprofile():
        sys.exit(code)  # a profiler or coverage writes its report at exit
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        code = code or EXIT_FAILED
    atexit._run_exitfuncs()
    os._exit(code)


def _dispatch(args: argparse.Namespace) -> int:
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`grader ... | head`): stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except Exception as exc:
        # Rubric and reference problems: only a command that read YAML can raise them, so only then is
        # grader.rubric.yamlio loaded (looked up here rather than imported, which would cost every command).
        yamlio = sys.modules.get("grader.rubric.yamlio")
        if yamlio is None or not isinstance(exc, yamlio.FileProblems):
            raise
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    run()
