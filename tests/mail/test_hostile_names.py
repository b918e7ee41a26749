"""Names from the register reaching a header or a file name: no bidi control, no line over 998 characters."""

import pytest

from addin.mail.compose import SMTP_POLICY, render, to_message
from addin.mail.text import header_text, one_line
from tests.mail.samples import SETTINGS, TODAY, action

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


@pytest.mark.parametrize("name", ["A" * 3000, '"' * 3000, "Société " * 400, "x" * 997 + "@"])
def test_no_header_line_is_longer_than_rfc_5322_allows(name):
    message = to_message(render(action("mise_en_demeure", name=name), SETTINGS, today=TODAY), SETTINGS,
                         message_id="k@relance.invalid")
    raw = message.as_bytes(policy=SMTP_POLICY)
    longest = max(len(line) for line in raw.split(b"\r\n"))
    assert longest <= 998, longest  # RFC 5322 §2.1.1 (the red team saw a 3,001-character To:)
    assert "jean@dupont.fr" in str(message["To"])


def test_bidi_controls_never_reach_a_header_or_a_file_name():
    name = "Dupont \u202efdp.exe\u202c SARL\u2066\u200f"
    rendered = render(action("mise_en_demeure", name=name), SETTINGS, today=TODAY)
    message = to_message(rendered, SETTINGS, message_id="k@relance.invalid")
    letter = [a.filename for a in rendered.attachments if a.filename.endswith(".pdf")][0]
    for text in (letter, str(message["To"]), rendered.client_name):
        assert not any(c in text for c in BIDI), repr(text)
    assert "Dupont fdp.exe SARL" in letter  # « …\u202efdp.exe…pdf » would read as « …exe.pdf »
    assert one_line("a\u202eb") == "ab" and header_text("é" * 300) == "é" * 199 + "…"
