"""MediaWiki's side: its PHP configuration (read and patched), the PHP that runs
it, the machine it runs on."""
