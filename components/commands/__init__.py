"""The `nixedge` subcommands: each module adds one to the parser."""
