"""``python -m dcaudit`` runs the command line."""

from dcaudit.cli import main

main()
