"""The commit-message convention of docs/FORMAT.md, owned by tix.domain.commits."""

from __future__ import annotations

from tix import messages as msg
from tix.domain import commits


def test_a_change_to_one_ticket_names_it_in_the_subject_and_a_trailer() -> None:
    assert commits.commit_message("4KX2QF7A", "status", "status new → open") == (
        "tix: 4KX2QF7A status new → open\n\nTix-Ticket: 4KX2QF7A\nTix-Action: status\n"
    )


def test_a_commit_without_a_ticket_has_the_action_alone() -> None:
    assert commits.message(msg.commit_send(2), "send") == "tix: send 2 messages\n\nTix-Action: send\n"
    assert commits.message(msg.commit_sending_one(), "send") == "tix: sending 1 message\n\nTix-Action: send\n"


def test_several_tickets_give_a_trailer_each_before_the_action() -> None:
    text = commits.message("import 3 messages into 2 tickets (2 new)", "import", ["AB2", "CD3"])
    assert text == "tix: import 3 messages into 2 tickets (2 new)\n\nTix-Ticket: AB2\nTix-Ticket: CD3\nTix-Action: import\n"
    assert commits.ticket_trailers([]) == ""


def test_a_body_is_a_paragraph_between_subject_and_trailers() -> None:
    text = commits.message("fold tickets that one mail opened twice", "fold", body="AB2 folded into CD3")
    assert text == "tix: fold tickets that one mail opened twice\n\nAB2 folded into CD3\n\nTix-Action: fold\n"
