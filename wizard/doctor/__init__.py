"""The doctor: what stops this wiki's mail, area by area."""
