"""`smtp-wizard --demo` is a sandbox: the demo servers, and a wiki of its own.

The demo never reads, shows or writes a real wiki: it does not look for LocalSettings.php
on this machine; the doctor and rotation paths start from a throw-away wiki in the run's
temporary folder, which goes away with everything else when the wizard ends, however it
ends. Only a path the user types is ever written to.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wizard.ui.prefill import load_localsettings
from wizard.ui.state import Mode, Services, WizardState

__all__ = ["DEMO_FOLDER_PREFIX", "demo_session"]

DEMO_FOLDER_PREFIX = "smtp-wizard-demo-"

_DEMO_WIKI = """<?php
# A throw-away wiki made for this demo run; it is deleted when the wizard ends.
$wgSitename = "Demo wiki";
$wgServer = "https://wiki.example.org";
$wgPasswordSender = "{user}";
$wgEmergencyContact = "{user}";
$wgSMTP = [
    'host'     => '{host}',
    'port'     => {port},
    'auth'     => true,
    'username' => '{user}',
    // The provider changed it: the doctor finds this one refused, rotation replaces it.
    'password' => 'old-password',
    'timeout'  => 5,
];
"""


@contextmanager
def demo_session(mode: Mode = Mode.NEW) -> Iterator[tuple[WizardState, Services]]:
    """The demo servers running, and the state and services that point at them.

    Everything lives in one temporary folder (CA, keys, the sandbox wiki, the encrypted
    keyring file), removed on the way out, an exception or a signal included.
    """
    # The demo server's lazy imports (aiosmtpd, trustme) are paid only in demo mode.
    from wizard.demo.sandbox import demo_servers

    with tempfile.TemporaryDirectory(prefix=DEMO_FOLDER_PREFIX) as name, \
            demo_servers(Path(name)) as servers:
        folder = Path(name)
        wiki = folder / "wiki" / "LocalSettings.php"
        wiki.parent.mkdir()
        wiki.write_text(_DEMO_WIKI.format(user=servers.username, host=servers.host,
                                          port=servers.starttls_port))
        state = WizardState(mode=mode)
        state.use_demo(servers, wiki)
        if mode is not Mode.NEW:
            message = load_localsettings(state, wiki, folder)
            assert not message, message  # the wiki above is always readable
        yield state, Services(keyring_backend=servers.keyring_backend(),
                              cryptfile_path=folder / "keyring.cfg")
