"""The test servers are the package's own local server (also used by --demo)."""

from wizard.demo.servers import (
    Certs,
    Received,
    Recorder,
    ServerOptions,
    SmtpServer,
    make_certs,
    running,
)

__all__ = ["Certs", "Received", "Recorder", "ServerOptions", "SmtpServer", "make_certs", "running"]
