"""The single exit point: run the CLI, turn errors into one line on stderr and an exit code."""

from __future__ import annotations

import os
import sys

# Read-only commands, the help, and the state changes of one ticket (storage/gitstart.py's
# CHANGING: their commit has landed and their files are closed before `main` returns): once their
# output is out, nothing is left to do but the interpreter's teardown (`tix --help`: Typer's and
# Click's objects, ~5 ms of it; `tix assign`: 7 ms of 56).
NO_TEARDOWN = ("show", "list", "search", "help", "--help", "-h", "--version", None)


def run(argv: list[str] | None = None) -> None:
    """The console script: `main`, then the exit status. After a read-only command or a state
    change of one ticket the process ends at once (os._exit, once stdout and stderr are flushed):
    Python's teardown frees every object one by one, 5-9 ms of a 0.15 s `tix search` at 50,000
    tickets (issues 12 and 14). tix registers no atexit work, and those commands leave no file open
    and no git running (a change returns once its commit has landed). Never in `main`: the tests
    run it in-process."""
    arguments = sys.argv[1:] if argv is None else argv
    from tix.storage.gitstart import CHANGING, begin_for, command_in

    short = command_in(arguments)[0] in NO_TEARDOWN + CHANGING
    if short:
        import gc

        gc.disable()  # the collector's passes over what the imports make free nothing before os._exit (2 ms of `tix show`)
    begin_for(arguments)  # `tix list`, `tix search`: git checks the working tree while Python imports tix
    code = main(arguments)
    if short:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a reader that went away (`tix list | head`), a closed stream
                pass
        os._exit(code)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run tix; usage errors are reported by Typer (exit 2), domain errors here (docs/CLI.md)."""
    from tix import messages as msg
    from tix.errors import TixError

    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["__complete"]:  # a Tab in the shell (cli/completion.py): without Typer
        from tix.cli.completion import answer

        return answer(arguments[1:])
    from tix.render import terminal

    terminal.configure()  # this run's --color and --no-pager are set once they are parsed
    try:
        from tix.cli import fast

        arguments = fast.spelled_out(arguments)  # `tix list -tag:spam`: a query term, not `-t ag:spam`
        status = fast.run(arguments)  # `tix show`, `tix list`: without loading Typer
        if status is not None:
            return status
        return _run_typer(arguments)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except TixError as exc:
        if os.environ.get("TIX_DEBUG"):
            raise
        from tix.errors import GitError

        detail = exc.detail if isinstance(exc, GitError) else ""  # all git said, not only its last line
        print(msg.git_said(msg.cli_error(exc.message), detail), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(msg.cli_interrupted(), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (`tix list | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a full disk, a read-only repository: one line, not a traceback
        import errno

        if os.environ.get("TIX_DEBUG") or exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):
            raise
        from tix.errors import storage_error

        error = storage_error(exc)
        print(msg.cli_error(error.message), file=sys.stderr)
        return error.exit_code
    return 0


def _run_typer(arguments: list[str]) -> int:
    """The command line through Typer, with help and usage errors in tix's words (cli/usage.py)."""
    import click

    from tix import messages as msg
    from tix.cli.app import command_for
    from tix.cli.usage import usage_error

    command = command_for(arguments)
    try:
        code = command.main(args=arguments, prog_name="tix", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:  # `tix config`: its help, as a usage error
        exc.show()
        return exc.exit_code
    except (click.UsageError, click.BadParameter) as exc:
        for line in usage_error(exc, command, arguments):
            print(line, file=sys.stderr)
        return exc.exit_code
    except click.ClickException as exc:  # a file option Click could not open, and the like
        print(msg.cli_error(exc.format_message()), file=sys.stderr)
        return exc.exit_code
    except click.Abort:
        print(msg.cli_aborted(), file=sys.stderr)
        return 1
    return code if isinstance(code, int) else 0
