"""Long output (`tix show`, `tix log`, `tix list`) through a pager, as git does it: only when stdout
is a terminal, through TIX_PAGER, PAGER or `less -FRX` (render/terminal.py chooses). Typer-free: the
fast path (cli/fast.py) writes through it too."""

from __future__ import annotations

import os
import sys

from tix.render import terminal

# The commands whose output goes through the pager.
PAGED = ("show", "log", "list")


def write_lines(lines: list[tuple[str, bool, bool]]) -> bool:
    """A Printout's lines (text, on stderr, newline after it): stderr's printed at once, stdout's
    through the pager; False (nothing written) when there is no pager to use."""
    if terminal.pager_command() is None or not any(not err for _, err, _ in lines):
        return False
    for text, err, nl in lines:
        if err:
            sys.stderr.write(text + "\n" if nl else text)
    sys.stderr.flush()
    text = "".join(text + "\n" if nl else text for text, err, nl in lines if not err)
    if not write(text.removesuffix("\n")):
        sys.stdout.write(text)
    return True


def write(text: str) -> bool:
    """Give `text` (and a newline) to the pager and wait until the user leaves it; False when there
    is no pager to use (the caller prints as usual). A pager that cannot start gets the text back."""
    command = terminal.pager_command()
    if command is None:
        return False
    import subprocess

    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # as git: `PAGER=less` quits on a short text, keeps colour and the screen
    env.setdefault("LV", "-c")
    sys.stdout.flush()
    try:
        pager = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    assert pager.stdin is not None
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        pager.stdin.write((text + "\n").encode(encoding, "replace"))
        pager.stdin.close()
    except BrokenPipeError:  # the user quit the pager before reading it all
        pass
    while True:
        try:
            status = pager.wait()
            break
        except KeyboardInterrupt:  # Ctrl-C belongs to the pager (less scrolls back), as in git
            continue
    if status == 127:  # the shell found no such command (it said so on stderr): the text is not lost
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    return True
