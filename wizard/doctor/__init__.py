"""The doctor: what stops this wiki's mail, area by area.

`run_doctor(DoctorOptions(...))` returns a `DoctorResult`: the report, and the settings
and contacts found. One module per area builds its steps: `wiki` and `contacts`
(LocalSettings.php), `access` (the files, opened as every account that sends), `php`
(PHP, PEAR, Auth_SASL, pear/mail), `system` (SELinux, Amazon EC2) and `live` (the live
check, in PEAR's semantics); `via` and `verdict` run the same conversation through the
wiki's own PHP, whose outcome decides; `run` puts them together.
"""

from __future__ import annotations

from wizard.doctor.options import DoctorOptions, ProgressCallback
from wizard.doctor.result import DoctorResult
from wizard.doctor.run import AREAS, run_doctor

__all__ = ["AREAS", "DoctorOptions", "DoctorResult", "ProgressCallback", "run_doctor"]
