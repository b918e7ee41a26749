"""Aperçu (Preview): today's reminder queue, every message rendered to files a person can open.

``run`` loads the register, computes the ledger and the queue (``queue.prepare``, shared with
the send and refresh actions), writes the ``Relances`` sheet and renders each queued action to
``<out_dir>/<n>-<client>-<step>.html`` and ``.eml`` (plus the PDF letter of a formal
notice). Nothing is sent and the journal gets no intent.

Skipping or postponing a line: see ``addin.actions.queue``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Mapping

from addin.actions.day import relances_sheets
from addin.actions.queue import claimed, file_stem, prepare, recipients, status
from addin.actions.refresh import register_language, write_computed_columns
from addin.books.base import Book
from addin.core import dunning
from addin.core.model import Action, Problem, Settings
from addin.mail.journal import book_folder, message_id


@dataclass
class PreviewResult:
    summary: str
    files: list[Path]
    actions: list[Action]
    problems: list[Problem]
    out_dir: Path
    box: str = ""  # what Excel's message box shows (proportional font): counts and the folder


def box_text(actions: list[Action], files: list[Path], notes: list[str], out_dir: Path) -> str:
    """The Aperçu summary for a message box: how many of each kind, where the files are.

    A table aligned with spaces is unreadable in a proportional font and one line per
    message does not fit a box; the detail is in the *Relances* sheet and in the files.
    """
    if not actions:
        return "Aucune relance à faire aujourd'hui."
    counts: dict[str, int] = {}
    for action in actions:
        label = dunning.CHANNEL_LABELS[action.step.channel]
        counts[label] = counts.get(label, 0) + 1
    lines = [f"Aperçu : {len(actions)} relance(s) préparée(s), rien n'a été envoyé."]
    lines += [f"  • {label} : {n}" for label, n in counts.items()]
    lines += ["", f"{len(files)} fichier(s) à ouvrir dans le dossier :", str(out_dir),
              "", "Détail ligne par ligne : feuille « Relances »."]
    if notes:
        lines += ["", f"{len(notes)} remarque(s) :"] + [f"  • {n}" for n in notes[:5]]
        if len(notes) > 5:
            lines.append(f"  … et {len(notes) - 5} autre(s) (relance preview en ligne de commande les liste toutes).")
    return "\n".join(lines)


# --- rendering ---------------------------------------------------------------------------


def render_files(action: Action, n: int, settings: Settings, today: date, out_dir: Path, book_name: str,
                 user_lang: str = "fr") -> tuple[list[Path], list[str]]:
    """Write one action's message as .html (+ .eml, + .pdf for a formal notice)."""
    from addin.mail import compose

    stem = file_stem(n, action)
    rendered = compose.render(action, settings, today=today, user_lang=user_lang)
    html = rendered.html
    for att in rendered.attachments:  # show the inline QR code in a browser too
        if att.inline_cid:
            uri = f"data:{att.content_type};base64,{base64.b64encode(att.data).decode('ascii')}"
            html = html.replace(f"cid:{att.inline_cid}", uri)
    files = [out_dir / f"{stem}.html"]
    files[0].write_text(html, encoding="utf-8")
    notes = list(rendered.notes)
    if not rendered.preview_only:
        try:
            msg = compose.to_message(rendered, settings,
                                     message_id=message_id(action.key, book_name, settings.sender_email))
        except ValueError as error:
            notes.append(f"pas de .eml : {error}")
        else:
            eml = out_dir / f"{stem}.eml"
            eml.write_bytes(msg.as_bytes(policy=msg.policy.clone(linesep="\r\n")))
            files.append(eml)
    for att in rendered.attachments:
        if att.content_type == "application/pdf":
            pdf = out_dir / f"{stem}.pdf"
            pdf.write_bytes(att.data)
            files.append(pdf)
    return files, notes


def summary_table(actions: list[Action], statuses: Mapping[str, str]) -> str:
    """A plain table: client, step, channel, recipients, total, status."""
    head = ("Client", "Étape", "Canal", "Destinataires", "Total", "Statut")
    rows = [(f"{a.client.code} {a.client.name}"[:30], a.step.name, dunning.CHANNEL_LABELS[a.step.channel],
             recipients(a)[:34], f"{claimed(a):,.2f} €".replace(",", " ").replace(".", ","),
             statuses.get(a.key, "")) for a in actions]
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip() for r in [head, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(book: Book, *, today: date, book_path: Path | None = None, out_dir: Path | None = None) -> PreviewResult:
    """Render today's queue to files and write the ``Relances`` sheet (the book is saved).

    ``book_path`` defaults to the book's own path (the ribbon passes only the book).
    """
    from addin.register.snapshot import Snapshot

    book_path = Path(book_path or book.path)
    snapshot = Snapshot.read(book)  # every read before the first write
    prepared = prepare(snapshot, today=today, book_path=book_path)
    out_dir = Path(out_dir) if out_dir is not None else book_folder(book_path) / "Aperçu relances" / today.isoformat()
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    notes: list[str] = []
    statuses = {a.key: status(a, prepared.journal, prepared.decisions.get(a.key), today) for a in prepared.actions}
    lang = register_language(snapshot)  # what the user reads (call scripts)
    for n, action in enumerate(prepared.actions, start=1):
        book.progress(n / max(1, len(prepared.actions)), f"Aperçu {n}/{len(prepared.actions)} : {action.client.name}")
        try:
            written, action_notes = render_files(action, n, prepared.settings, today, out_dir, book_path.name, lang)
        except Exception as error:  # a broken template must not hide the other messages
            notes.append(f"{action.client.code} {action.step.name} : rendu impossible ({error})")
            continue
        files.extend(written)
        notes.extend(f"{action.client.code} {action.step.name} : {x}" for x in action_notes)
    for sheet in relances_sheets(prepared, snapshot, today, statuses):
        book.write_generated(sheet)
    computed = write_computed_columns(book, prepared, snapshot)
    book.save()
    text = summary_table(prepared.actions, statuses)
    if not prepared.actions:
        text = "Aucune relance à faire aujourd'hui."
    if notes:
        text += "\n\n" + "\n".join(notes)
    if not computed:
        text += "\n\n(Colonnes Prochaine action / Dernière relance non écrites : lancez « Actualiser ».)"
    if files:  # where to look, in Excel's box as on the command line
        text += f"\n\nFichiers écrits dans : {out_dir.resolve()}"
    box = box_text(prepared.actions, files, notes, out_dir)
    if not computed:
        box += "\n\n(Colonnes Prochaine action / Dernière relance non écrites : lancez « Actualiser ».)"
    return PreviewResult(text, files, prepared.actions, prepared.problems, out_dir, box)
