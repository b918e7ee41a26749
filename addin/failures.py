"""Any exception as the one French line a user reads: what is wrong, then what to do.

Every front door (the ``relance`` command for all its commands) ends a failure with
``describe(error)``: never a traceback. Errors Relance raises on purpose (``BookError``,
``ValueError``…) already say both; the others — a full disk, a file where a folder
should be, memory, a date past the calendar's end — are named here.
"""

from __future__ import annotations

import errno
import zipfile
from pathlib import Path


# The system's own wording is English (or the system's language): the usual causes, said in French.
_STRERROR = {
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.EROFS: "le disque est en lecture seule",
    errno.EIO: "erreur de lecture ou d'écriture du disque",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.EMFILE: "trop de fichiers ouverts",
    errno.ELOOP: "lien symbolique en boucle",
    errno.EXDEV: "déplacement impossible entre deux disques",
    errno.EBUSY: "fichier occupé par un autre programme",
}


def _flat(text: str, limit: int = 400) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _where(error: OSError) -> str:
    name = error.filename or ""
    return f" « {name} »" if name else ""


def _file_in_the_way(error: OSError) -> Path | None:
    """For a folder Relance needs (``.relance``, ``.relance-backups``): the file standing in its place."""
    if not error.filename:
        return None
    path = Path(str(error.filename))
    for candidate in (path, *path.parents):
        try:
            if candidate.exists() and not candidate.is_dir():
                return candidate
        except OSError:
            return None
    return None


def describe(error: BaseException) -> str:
    """One line, French: what went wrong and what to do (no newline in it)."""
    from addin.books.base import BookError

    if isinstance(error, BookError):
        return _flat(str(error), 1000)
    if isinstance(error, MemoryError):
        return ("Mémoire insuffisante pour traiter ce classeur. — Fermez d'autres programmes, ou archivez les "
                "factures soldées dans un autre classeur, puis recommencez.")
    if isinstance(error, RecursionError):
        return "Le classeur est trop imbriqué pour être lu. — Ouvrez-le dans Excel et enregistrez-le, puis recommencez."
    if isinstance(error, OverflowError):
        return (f"Une date ou un nombre dépasse les limites du calendrier ou du calcul ({_flat(error, 120)}). — "
                "Vérifiez l'option --today et les dates du registre (années 1900 à 2199).")
    if isinstance(error, (FileExistsError, NotADirectoryError)):
        blocker = _file_in_the_way(error)
        if blocker is not None:
            return (f"« {blocker} » est un fichier, là où Relance range un dossier : Relance s'est arrêté. — "
                    "Renommez ou déplacez ce fichier, puis recommencez.")
    if isinstance(error, FileNotFoundError):
        return f"Fichier ou dossier introuvable{_where(error)}. — Vérifiez le chemin, puis recommencez."
    if isinstance(error, PermissionError):
        return (f"Accès refusé{_where(error)}. — Vérifiez vos droits sur le fichier et son dossier, ou fermez le "
                "programme qui l'utilise, puis recommencez.")
    if isinstance(error, OSError):
        if error.errno == errno.ENOSPC or error.errno == getattr(errno, "EDQUOT", -1):
            return (f"Le disque est plein : écriture impossible{_where(error)} (un classeur n'est jamais écrit à "
                    "moitié). — "
                    "Libérez de la place sur le disque, puis recommencez.")
        if error.errno == errno.EFBIG:
            return (f"Fichier trop grand pour ce disque{_where(error)} (un classeur n'est jamais écrit à moitié). — "
                    "Placez le classeur sur un disque qui accepte les gros fichiers (NTFS, ext4, APFS), "
                    "puis recommencez.")
        reason = _STRERROR.get(error.errno) or error.strerror or _flat(error, 200)
        return (f"Erreur du système de fichiers{_where(error)} : {_flat(reason, 200)}. — Vérifiez le disque et le "
                "dossier, puis recommencez.")
    if isinstance(error, KeyError) and "There is no item named" in str(error):  # zipfile's own words
        missing = str(error).split("'")[1] if str(error).count("'") >= 2 else ""
        return (f"Le classeur est incomplet : la partie « {missing} » est introuvable (ou son nom diffère par "
                "les majuscules). — Ouvrez-le dans Excel et enregistrez-le, puis recommencez.")
    if isinstance(error, KeyError):  # a part or a relationship a reader looked for (openpyxl's too)
        return (f"Le classeur est incomplet ou incohérent : {_flat(error, 200)} introuvable. — Ouvrez-le dans "
                "Excel et enregistrez-le, puis recommencez ; si cela persiste, signalez-le avec une copie du "
                "classeur.")
    if isinstance(error, zipfile.BadZipFile):
        return (f"Le classeur n'est pas un fichier Excel lisible ({_flat(error, 200)}). — Ouvrez-le dans Excel et "
                "enregistrez-le au format .xlsx ou .xlsm.")
    if isinstance(error, (ValueError, RuntimeError)):
        return _flat(str(error), 1000) or type(error).__name__
    return (f"Relance s'est arrêté sur une erreur inattendue ({type(error).__name__} : {_flat(error, 200)}). — "
            "Signalez-la avec une copie du classeur.")
