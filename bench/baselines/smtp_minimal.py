"""Baseline of the check row: the same conversation with aiosmtplib alone.

STARTTLS with the certificate verified against the system's CAs plus the test CA, AUTH
LOGIN, MAIL FROM, RCPT TO, RSET and QUIT: what `smtp-wizard check HOST --user U --sender S
--rcpt R --ca-file CA` does, without the report. The password comes from $PW.

Usage: python bench/baselines/smtp_minimal.py HOST PORT CA_FILE USER SENDER RCPT
"""

import asyncio
import os
import ssl
import sys

import aiosmtplib


async def main(host: str, port: int, ca_file: str, user: str, sender: str, rcpt: str) -> None:
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=ca_file)
    smtp = aiosmtplib.SMTP(hostname=host, port=port, start_tls=True, tls_context=context,
                           local_hostname="localhost", timeout=10)
    await smtp.connect()  # the greeting, EHLO, STARTTLS
    await smtp.ehlo()
    await smtp.auth_login(user, os.environ["PW"])
    await smtp.mail(sender)
    await smtp.rcpt(rcpt)
    await smtp.rset()
    await smtp.quit()


if __name__ == "__main__":
    host, port, ca_file, user, sender, rcpt = sys.argv[1:7]
    asyncio.run(main(host, int(port), ca_file, user, sender, rcpt))
