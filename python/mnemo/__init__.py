"""mnemo: embedded memory store for AI agents.

    import mnemo
    store = mnemo.Store.open("/tmp/mem")
    rid = store.put(tenant="t", agent="a", session="s", text="hello")
    print(store.get("t", rid).text)

Errors raise mnemo.Error subclasses (NotFound, InvalidArgument, ...).
Storage calls release the GIL; one Store may be shared by threads.
The same verbs as the `mnemo` command line: ``python3 -m mnemo --help``.
"""
from . import _mnemo
from ._mnemo import *  # noqa: F401,F403  (the whole public API)
from .embedder import Embedder

__version__: str = _mnemo.__version__
__all__ = sorted([n for n in dir(_mnemo) if not n.startswith("_")] +
                 ["Embedder"])

# Classes report themselves as mnemo.X (where users find them), not as the
# private extension module.
for _name in __all__:
    _obj = getattr(_mnemo, _name, None)
    if isinstance(_obj, type) and _obj.__module__ == _mnemo.__name__:
        try:
            _obj.__module__ = __name__
        except (AttributeError, TypeError):
            pass
del _name, _obj
