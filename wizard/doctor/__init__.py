"""The doctor: what stops this wiki's mail, area by area.

`run_doctor(DoctorOptions(...))` returns a `DoctorResult`: the report, and the settings
and contacts found. One module per area builds its steps: `wiki` and `contacts`
(LocalSettings.php), `php` (PHP, PEAR, Auth_SASL, pear/mail), `system` (SELinux, Amazon
EC2, the web server's account) and `live` (the live check, in PEAR's semantics); `run`
puts them together.
"""

from __future__ import annotations

from wizard.doctor.options import DoctorOptions, ProgressCallback
from wizard.doctor.result import DoctorResult
from wizard.doctor.run import AREAS, run_doctor

__all__ = ["AREAS", "DoctorOptions", "DoctorResult", "ProgressCallback", "run_doctor"]
