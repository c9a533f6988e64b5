"""Pure data: settings and their validation, reports and steps, the diagnosis
catalogue, translations."""
