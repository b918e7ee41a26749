"""Before the first message: can the workbook, its backup and the send log be written now?

A send that finds out it cannot save only after sending leaves its clients reminded and the
workbook's *Journal* silent. So the send action asks first (``check_send``), and sends nothing
when the answer is no, saying what to do:

- Excel's ``~$name`` or LibreOffice's ``.~lock.name#`` beside the workbook: it is open there;
- the file is read-only (its attribute, or permissions), or its folder cannot be written;
- the disk has less free space than the save (a temporary file as large as the workbook), its
  backup (a copy where a hard link is impossible) and the log need;
- a file-size limit (``ulimit -f``) smaller than the workbook.

The messages never advise copying the workbook elsewhere: a copy starts without its send log
(``addin.mail.identity``), which is how reminders used to go out twice.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from addin.books.base import BookError

BACKUP_DIR = ".relance-backups"
LOG_MARGIN = 1 << 20  # bytes kept free for the send log and the Journal sheet's growth


def real(path: Path | str) -> Path:
    """The workbook's real file, links resolved: what is replaced when it is saved."""
    return Path(os.path.realpath(path))


def lock_files(path: Path) -> list[Path]:
    """The lock files Excel and LibreOffice leave next to a workbook they have open (beside the
    path given and, for a link, beside the real file)."""
    found: list[Path] = []
    for p in dict.fromkeys([Path(path), real(path)]):
        name = p.name
        candidates = [p.with_name("~$" + name), p.with_name(".~lock." + name + "#")]
        if len(name) > 2:
            # Excel shortens long names: "~$" replaces the first two characters.
            candidates.append(p.with_name("~$" + name[2:]))
        found += [c for c in candidates if c.exists() and c not in found]
    return found


def _writable(path: Path) -> bool:
    # Mode bits too: a file marked read-only stays read-only even for an administrator.
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)


def check_writable(path: Path) -> None:
    """Raise ``BookError`` if the workbook cannot be replaced safely now (open elsewhere,
    read-only file, folder or backup folder that cannot be written)."""
    locks = lock_files(path)
    if locks:
        app = "LibreOffice" if locks[0].name.startswith(".~lock.") else "Excel"
        raise BookError(
            f"Le classeur « {Path(path).name} » est ouvert dans {app} : Relance ne peut pas l'enregistrer.",
            f"Fermez-le dans {app} puis recommencez, ou utilisez Relance depuis le ruban d'Excel "
            f"(si {app} n'est plus ouvert, supprimez le fichier verrou {locks[0].name}).",
            [str(p) for p in locks])
    target = real(path)
    if not _writable(target):
        raise BookError(f"Le classeur « {Path(path).name} » est en lecture seule : Relance ne peut pas l'enregistrer.",
                        "Retirez l'attribut lecture seule du fichier (Propriétés du fichier, ou chmod u+w), "
                        "puis recommencez.")
    if not _writable(target.parent):
        raise BookError(f"Le dossier « {target.parent} » ne peut pas être modifié : Relance ne peut pas y "
                        f"enregistrer « {target.name} ».",
                        "Donnez-vous le droit d'écrire dans ce dossier (ou demandez-le à qui gère le partage), "
                        "puis recommencez.")
    backups = target.parent / BACKUP_DIR
    if backups.exists() and not _writable(backups):
        raise BookError(f"Le dossier des sauvegardes « {backups} » ne peut pas être modifié.",
                        "Donnez-vous le droit d'y écrire, puis recommencez.")


def _mb(n: int) -> str:
    return f"{max(n, 0) / 1_048_576:.1f} Mo".replace(".", ",")


def check_space(folder: Path, need: int, what: str) -> None:
    """Raise ``BookError`` when ``folder``'s disk has less than ``need`` bytes free."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return  # unknown: the writes themselves will say
    if free < need:
        raise BookError(f"Espace disque insuffisant pour {what} : {_mb(free)} libres dans « {folder} », "
                        f"il en faut {_mb(need)}. Rien n'a été envoyé.",
                        "Libérez de la place sur ce disque (corbeille, anciens fichiers), puis recommencez.")


def file_size_limit() -> int | None:
    """The largest file this process may write (``ulimit -f``), None when unlimited."""
    if sys.platform == "win32":  # pragma: no cover
        return None
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    return None if soft == resource.RLIM_INFINITY else soft


def check_save(path: Path, *, log_folder: Path | None = None, log_bytes: int = 0) -> None:
    """Everything a save of the workbook at ``path`` needs, checked before anything is sent:
    ``check_writable``, then free space for the temporary file, the backup and the log, and the
    file-size limit. Raises ``BookError``."""
    check_writable(path)
    target = real(path)
    size = target.stat().st_size
    new = size + size // 4 + (256 << 10)  # the saved workbook: a little larger (Journal rows, sheets)
    limit = file_size_limit()
    if limit is not None and limit < new:
        raise BookError(f"La taille des fichiers est limitée à {_mb(limit)} pour ce programme ; « {target.name} » "
                        f"en demande {_mb(new)} pour être enregistré. Rien n'a été envoyé.",
                        "Levez la limite (ulimit -f) ou demandez-le à qui gère cet ordinateur, puis recommencez.")
    need = new + size + LOG_MARGIN + log_bytes  # temporary file + backup (a copy, at worst) + log
    if log_folder is not None and _device(log_folder) != _device(target.parent):
        check_space(log_folder, LOG_MARGIN + log_bytes, "le journal d'envoi")
        need -= LOG_MARGIN + log_bytes
    check_space(target.parent, need, f"enregistrer « {target.name} »")


def check_log(folder: Path, log_bytes: int = 0) -> None:
    """The send log's folder can be written and has room (a workbook open in Excel: the only file
    Relance writes itself)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BookError(f"Le dossier du journal d'envoi « {folder} » ne peut pas être créé ({error}).",
                        "Donnez-vous le droit d'écrire dans le dossier du classeur, puis recommencez.") from error
    if not os.access(folder, os.W_OK):
        raise BookError(f"Le dossier du journal d'envoi « {folder} » ne peut pas être modifié.",
                        "Donnez-vous le droit d'y écrire, puis recommencez.")
    check_space(folder, LOG_MARGIN + log_bytes, "le journal d'envoi")


def _device(folder: Path) -> int | None:
    try:
        return os.stat(folder).st_dev
    except OSError:
        return None
