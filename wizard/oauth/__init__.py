"""OAuth 2.0 access tokens for SMTP AUTH XOAUTH2, where passwords stop working.

Microsoft 365 (app-only: client credentials with a secret or a certificate) and Google
Workspace (a service account with domain-wide delegation): `config` (one TOML file per
account), `tokens` with `microsoft` and `google` (the providers' own libraries, the
optional extra `oauth`), `state` (the token file the wiki reads, the refresher's record),
`refresh` (idempotent, for a timer), `units` (that timer, or a cron entry).
"""
