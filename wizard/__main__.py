"""`python -m wizard` runs the same entry point as `smtp-wizard`."""

from wizard.cli.main import main

raise SystemExit(main())
