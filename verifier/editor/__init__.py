"""Editor support for FSL: the language server (``lsp.py``) behind ``verifier lsp``.

It reads the language stage only (parser, checker, formatter): what an editor shows
while a spec is typed is what ``verifier check`` and ``verifier fmt`` would say about it.
The TextMate grammar for highlighting is ``editors/fsl.tmLanguage.json`` at the
repository's root (not Python).
"""

from verifier.editor.lsp import diagnostics_of, format_edits, make_server, serve

__all__ = ["diagnostics_of", "format_edits", "make_server", "serve"]
