"""The register: the workbook's tables, read and checked (``load``), and as pandas tables (``read``)."""


def __getattr__(name: str):
    # ``addin.register.read`` imports pandas only when called for: the commands never need it.
    if name in ("read", "Tables"):
        from addin.register import frames

        return getattr(frames, name)
    raise AttributeError(f"module 'addin.register' has no attribute {name!r}")
