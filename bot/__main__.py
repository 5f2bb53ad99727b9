"""`python -m bot` is the `upstander` command line."""

from bot.cli import main

raise SystemExit(main())
