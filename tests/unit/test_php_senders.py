"""Who runs the wiki's PHP: web server processes and configuration, php-fpm pools, and
the job runner from cron and systemd, read from real files in a tree passed as the root.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.common import backups_of
from wizard.mediawiki.senders import Role, find_php_accounts, job_runners
from wizard.model.settings import Settings
from wizard.render import PasswordMode, RenderOptions, Target, render
from wizard.store.install import PatchOptions, SecretsAccessError, write_patch

PASSWD = """root:x:0:0:root:/root:/bin/bash
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
wiki:x:998:998::/srv/wiki:/usr/sbin/nologin
jobs:x:2001:2001::/home/jobs:/bin/sh
mwjobs:x:2002:2002::/home/mwjobs:/bin/sh
other:x:2003:2003::/home/other:/bin/sh
"""
GROUP = """root:x:0:
www-data:x:33:wiki
wiki:x:998:
jobs:x:2001:
mwjobs:x:2002:
other:x:2003:
"""


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in {"etc/passwd": PASSWD, "etc/group": GROUP, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_pools_apache_cron_and_systemd_are_found(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "etc/php/8.2/fpm/pool.d/wiki.conf": "[wiki]\nuser = wiki\ngroup = www-data\n"
                                           "env[SMTP_PASSWORD] = $SMTP_PASSWORD\n",
        "etc/apache2/envvars": "export APACHE_RUN_USER=www-data\n"
                               "export APACHE_RUN_GROUP=www-data\n",
        "etc/cron.d/mediawiki": "# the job queue\nMAILTO=root\n"
                                "*/5 * * * * root sudo -u www-data php "
                                "/var/www/w/maintenance/runJobs.php --maxtime 60\n"
                                "0 3 * * * root /usr/local/bin/backup\n",
        "var/spool/cron/crontabs/jobs": "SMTP_PASSWORD=from-cron\n"
                                        "@hourly php /srv/w/maintenance/run.php runJobs\n",
        "etc/systemd/system/mw-jobs.service": "[Service]\nUser=mwjobs\n"
                                              "ExecStart=/usr/bin/php /srv/w/maintenance/"
                                              "runJobs.php --wait\n",
        "etc/systemd/system/mw-jobs.service.d/env.conf": "[Service]\n"
                                                         "EnvironmentFile=-/etc/mw.env\n",
        "etc/mw.env": "SMTP_PASSWORD=x\nOTHER=1\n",
        "lib/systemd/system/unrelated.service": "[Service]\nExecStart=/bin/true\n",
    })
    found = find_php_accounts(root)
    assert not found.guessed
    web = [(i.account.name, i.account.gid) for i in found.found if i.role is Role.WEB]
    assert web == [("wiki", 33), ("www-data", 33)]
    assert found.found[0].environment == {"SMTP_PASSWORD"}
    assert "php-fpm pool [wiki] in /etc/php/8.2/fpm/pool.d/wiki.conf" in found.found[0].describe()
    runners = {(i.account.name, i.environment, i.account.source) for i in job_runners(root)}
    assert runners == {
        # sudo resets the environment: the file's MAILTO does not reach PHP.
        ("www-data", frozenset(), "runJobs in /etc/cron.d/mediawiki"),
        ("jobs", frozenset({"SMTP_PASSWORD"}), "runJobs in /var/spool/cron/crontabs/jobs"),
        ("mwjobs", frozenset({"SMTP_PASSWORD", "OTHER"}),
         "runJobs in the systemd unit mw-jobs.service"),
    }
    assert sorted(a.name for a in found.accounts()) == ["jobs", "mwjobs", "wiki", "www-data"]


def test_without_any_evidence_the_usual_account_is_a_guess(tmp_path: Path) -> None:
    root = tree(tmp_path, {})
    found = find_php_accounts(root)
    assert found.guessed and [a.name for a in found.accounts()] == ["www-data"]
    named = find_php_accounts(root, given=["jobs"])
    assert not named.guessed and [a.name for a in named.accounts()] == ["jobs"]
    with pytest.raises(LookupError):
        find_php_accounts(root, given=["nobody-here"])


def _wiki(tmp_path: Path) -> Path:
    local = tmp_path / "wiki" / "LocalSettings.php"
    local.parent.mkdir()
    local.write_text("<?php\n$wgSMTP = false;\n")
    return local


def test_env_mode_names_every_job_runner_that_will_not_see_the_variable(
        tmp_path: Path) -> None:
    root = tree(tmp_path / "root", {
        "etc/apache2/envvars": "APACHE_RUN_USER=www-data\n",
        "etc/cron.d/jobs": "*/5 * * * * www-data php /w/maintenance/runJobs.php\n",
        "var/spool/cron/crontabs/jobs": "SMTP_PASSWORD=x\n* * * * * php /w/runJobs.php\n",
    })
    rendered = render(Settings(host="smtp.example.org", username="wiki@example.org"),
                      Target.MEDIAWIKI, RenderOptions(password_mode=PasswordMode.ENV))
    result, _written = write_patch(rendered, _wiki(tmp_path), expected=None, options=(
        PatchOptions(accounts=find_php_accounts(root), env_var="SMTP_PASSWORD")))
    warnings = " ".join(result.warnings)
    assert "The job runner www-data (runJobs in /etc/cron.d/jobs) does not get " \
           "SMTP_PASSWORD" in warnings
    assert "jobs (runJobs in /var/spool/cron/crontabs/jobs)" not in warnings

    alone = tree(tmp_path / "alone", {"etc/apache2/envvars": "APACHE_RUN_USER=www-data\n"})
    result, _written = write_patch(rendered, _wiki(tmp_path / "alone"), expected=None,
                                   options=PatchOptions(accounts=find_php_accounts(alone),
                                                        env_var="SMTP_PASSWORD"))
    assert "No job runner was found" in " ".join(result.warnings)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root sets the owner of a secrets file")
def test_accounts_without_a_shared_group_are_refused_before_writing(tmp_path: Path) -> None:
    root = tree(tmp_path / "root", {
        "etc/cron.d/a": "* * * * * jobs php /w/runJobs.php\n",
        "etc/cron.d/b": "* * * * * mwjobs php /w/runJobs.php\n",
    })
    accounts = find_php_accounts(root, given=["other"])
    secrets = tmp_path / "smtp-secret.php"
    rendered = render(Settings(host="smtp.example.org", username="wiki@example.org"),
                      Target.MEDIAWIKI, RenderOptions(
                          password_mode=PasswordMode.FILE, password="pw",
                          secrets_path=str(secrets)))
    local = _wiki(tmp_path)
    with pytest.raises(SecretsAccessError) as caught:
        write_patch(rendered, local, expected=None, options=PatchOptions(accounts=accounts))
    assert "jobs, mwjobs, other" in str(caught.value) and "usermod -aG" in str(caught.value)
    assert not secrets.exists() and local.read_text() == "<?php\n$wgSMTP = false;\n"
    assert backups_of(local) == []
