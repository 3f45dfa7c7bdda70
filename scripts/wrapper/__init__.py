"""The jobs of `scripts/pulumi`, each one call of `main.run` before it hands the command
line, unchanged but for `stack rm`'s `--preserve-config`, to the Pulumi CLI."""
