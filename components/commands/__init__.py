"""The `python -m components` subcommands: each module adds one to the parser."""
