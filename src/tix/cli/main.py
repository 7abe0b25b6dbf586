"""The single exit point: run the CLI, turn errors into one line on stderr and an exit code."""

from __future__ import annotations

import os
import sys

from tix import messages as msg
from tix.errors import TixError


def run(argv: list[str] | None = None) -> None:
    sys.exit(main(argv))


def main(argv: list[str] | None = None) -> int:
    """Run tix; usage errors are reported by Typer (exit 2), domain errors here (docs/CLI.md)."""
    arguments = sys.argv[1:] if argv is None else argv
    try:
        from tix.cli import fast

        arguments = fast.spelled_out(arguments)  # `tix list -tag:spam`: a query term, not `-t ag:spam`
        status = fast.run(arguments)  # `tix show`, `tix list`: without loading Typer
        if status is not None:
            return status
        from tix.cli.app import app_for

        app_for(arguments)(args=arguments, prog_name="tix")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except TixError as exc:
        if os.environ.get("TIX_DEBUG"):
            raise
        print(msg.cli_error(exc.message), file=sys.stderr)
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
