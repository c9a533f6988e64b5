"""Where results go: atomic files and private backups, the keyring, installing a
rendered config, rotation."""
