"""Pure functions and single modules, with real files and real PHP where needed."""
