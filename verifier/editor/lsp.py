"""Editor support: a small language server for ``.fsl`` specs, on pygls.

``make_server`` builds a fresh ``LanguageServer`` (no module-level state) that, for each
open spec, publishes the checker's diagnostics (the parser's and the checker's, each with
its code, and its hint after the message and in ``data``) when it is
opened, changed or saved, and formats a document with ``verifier fmt``'s canonical form
(comments kept; no edit while the text does not parse). ``serve`` runs it over stdio,
which is what ``verifier lsp`` does for an editor.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from verifier.lang.checker import check_spec
from verifier.lang.diagnostics import Diagnostic, SpecError
from verifier.lang.fmt.formatter import format_source
from verifier.lang.parser import parse

NAME = "verifier-fsl"


def _path(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


def _range(d: Diagnostic, text: str) -> lsp.Range:
    sp = d.span
    if sp.line <= 0:  # the whole file (an empty spec, say): its first character
        return lsp.Range(lsp.Position(0, 0), lsp.Position(0, 1))
    lines = text.split("\n")
    end_line = max(sp.end_line, sp.line)
    end_col = sp.end_col if sp.end_line >= sp.line and sp.end_col > 0 else sp.col + 1
    if end_line == sp.line and end_col <= sp.col:
        end_col = sp.col + 1
    if end_line > len(lines):
        end_line, end_col = len(lines), len(lines[-1]) + 1
    return lsp.Range(lsp.Position(sp.line - 1, max(sp.col - 1, 0)),
                     lsp.Position(end_line - 1, max(end_col - 1, 0)))


def diagnostics_of(text: str, uri: str) -> list[lsp.Diagnostic]:
    """The checker's diagnostics for spec ``text`` (empty when it checks), in LSP terms."""
    path = _path(uri)
    try:
        check_spec(parse(text, path), text)
        return []
    except SpecError as e:
        found = e.diagnostics
    out = []
    for d in found:
        if d.span.path not in (path, "<string>"):
            continue  # another file's error (a configuration's): not this document's
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        severity = (lsp.DiagnosticSeverity.Warning if d.severity == "warning"
                    else lsp.DiagnosticSeverity.Error)
        out.append(lsp.Diagnostic(
            range=_range(d, text), message=message, severity=severity, code=d.code,
            source="verifier", data={"hint": d.hint}))
    return out


def format_edits(text: str, uri: str) -> list[lsp.TextEdit]:
    """One edit that makes the document canonical, or none (already canonical, or it
    does not parse: the diagnostics say why)."""
    try:
        formatted = format_source(text, _path(uri))
    except SpecError:
        return []
    if formatted == text:
        return []
    lines = text.split("\n")
    end = lsp.Position(len(lines) - 1, len(lines[-1]))
    return [lsp.TextEdit(lsp.Range(lsp.Position(0, 0), end), formatted)]


def make_server() -> LanguageServer:
    from verifier import __version__

    server = LanguageServer(NAME, __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)

    def publish(ls: LanguageServer, uri: str) -> None:
        doc = ls.workspace.get_text_document(uri)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=uri, version=doc.version, diagnostics=diagnostics_of(doc.source, uri)))

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=params.text_document.uri, diagnostics=[]))

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: LanguageServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit]:
        doc = ls.workspace.get_text_document(params.text_document.uri)
        return format_edits(doc.source, params.text_document.uri)

    return server


def serve(*_: Any) -> None:
    """Run the language server on stdin/stdout until the client says exit."""
    make_server().start_io()
