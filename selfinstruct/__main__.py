"""`python -m selfinstruct` is the `selfinstruct` command."""

from selfinstruct.cli import main

main()
