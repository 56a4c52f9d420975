"""Stages 1-4: the language FSL, from spec text to a checked model and its meaning.

The modules, in pipeline order: ``grammar.lark`` and ``parser`` (text -> parse tree ->
AST, Lark errors turned into ``diagnostics`` with the help of ``mistakes``),
``syntax`` (the AST), ``checker`` with ``exprcheck`` and ``stmtcheck`` (AST -> checked
model: names, types, constants), ``typesys`` (types, finite domains, the packed state
encoding), ``model`` (the checked IR) and ``semantics`` (the reference semantics every
engine is tested against). ``fmt/`` prints an AST back as canonical text
(``verifier fmt``). Nothing here imports a later stage; the one module below it is
``verifier.results`` (display values).
"""
