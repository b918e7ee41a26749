"""One action per ribbon button, shared by every door (CLI, ribbon, tests).

Each action module offers ``run(book, **options)`` over a ``Book`` (see
``addin.books.base``). ``ACTIONS`` maps the ribbon button's tag to its module
name; modules are imported on use so that opening Excel stays fast.
"""

ACTIONS: dict[str, str] = {
    "refresh": "addin.actions.refresh",  # Actualiser
    "preview": "addin.actions.preview",  # Aperçu
    "send": "addin.actions.send",  # Envoyer
    "review": "addin.actions.review",  # Revue mensuelle
    "export": "addin.actions.export",  # Exporter pour le comptable
    "plan": "addin.actions.plan",  # Échéancier
    "help": "addin.actions.help",  # Aide
    "import": "addin.actions.imports",  # Importer (relevés bancaires)
}
