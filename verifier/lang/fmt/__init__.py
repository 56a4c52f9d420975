"""Stage 2, backwards: an AST printed as canonical spec text (``verifier fmt``).

``formatter`` lays a spec out (``format_spec``, ``format_source``) with the document
algebra of ``prettydoc`` and puts the source's comments back with ``fmtcomments``,
since the parser drops them.
"""
