"""The Textual wizard: Pilot flows, snapshots at 80x24 and 120x40, a real tmux."""
