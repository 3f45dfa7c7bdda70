"""`nixedge import`: a hand-written NixOS container setup -> the stack file that renders it.

`nix.py` evaluates the modules with real Nix (components/importer/eval.nix) and returns
their option values; `site.py` turns those values into a stack's `nixedge:site`.
"""
