"""Building many frozen records fast: a positional constructor for a frozen, slotted dataclass.

The engine (``fast``) builds hundreds of thousands of invoice states and interest periods, the
review (``aging``) a profile per client; ``fast_constructor(cls)`` builds exactly what
``cls(...)`` builds, in about a third of the time of the dataclass's ``__init__``.

Pure: no I/O.
"""

from __future__ import annotations

import dataclasses


def fast_constructor(cls):
    """A positional constructor of the frozen, slotted dataclass ``cls`` that builds the same objects faster.

    A frozen dataclass's ``__init__`` stores each field through ``object.__setattr__`` (its
    own ``__setattr__`` refuses). This builds the object as an instance of a plain twin
    class with the very same ``__slots__`` (same names, same order, same base: the same
    memory layout), whose fields are stored by the interpreter's fastest path (a slot
    store), then makes it a ``cls`` by assigning ``__class__``; Python allows that only
    between classes of identical layout and raises ``TypeError`` otherwise, so the object
    is exactly what ``cls(...)`` builds (16 fields: about 0.7 µs against 2.5 µs for
    ``__init__``, 1.3 µs when storing through the slot descriptors), which counts for the
    hundreds of thousands of states, periods and applications of a large register. Fields
    with a default may be left out; a class with ``__post_init__``, a default factory or a
    field outside ``__init__`` is refused, so this never builds what ``cls(...)`` would not.
    """
    fields = dataclasses.fields(cls)
    slots = vars(cls).get("__slots__")
    if (not cls.__dataclass_params__.frozen or slots is None or cls.__bases__ != (object,)
            or hasattr(cls, "__post_init__") or tuple(slots) != tuple(f.name for f in fields)
            or any(not f.init or f.default_factory is not dataclasses.MISSING for f in fields)):
        raise TypeError(f"{cls.__name__}: not a plain frozen slotted dataclass")
    twin = type(f"_Twin{cls.__name__}", (), {"__slots__": slots})
    namespace: dict[str, object] = {"_new": object.__new__, "_twin": twin, "_cls": cls}
    params, body = [], []
    for f in fields:
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        body.append(f"    o.{f.name} = {f.name}\n")
    source = (f"def new_{cls.__name__}({', '.join(params)}):\n    o = _new(_twin)\n{''.join(body)}"
              f"    o.__class__ = _cls\n    return o\n")
    exec(source, namespace)  # as dataclasses does for __init__
    return namespace[f"new_{cls.__name__}"]
