#!/usr/bin/env python3
"""Validates what the LIS sent during the end-to-end tests (tests/src/capture.rs wrote it).

Usage: validate.py CAPTURE_DIR

- CAPTURE_DIR/fhir/*.json: every FHIR body the tests fetched is parsed by fhir.resources
  (FHIR R4 4.0.1 models, pydantic): a Bundle and each resource of its entries, a resource,
  or an OperationOutcome. Unknown elements, wrong types and missing required elements fail.
- CAPTURE_DIR/hl7/*.hl7: every HL7 v2 message the tests read from the LIS (ORU^R01 at the
  simulated HIS, acknowledgements) is parsed by hl7apy with VALIDATION_LEVEL.STRICT as the
  version its MSH-12 names, then validated against that version's message structure. An ACK
  to an analyzer in its own dialect may omit MSH-9.3 (optional before v2.5; the Mindray manuals'
  ACK^R01 has none): hl7apy cannot find a structure without it, so such an ACK is validated as
  the structure HL7 table 0354 gives every ACK event, `ACK`, the rest of the message unchanged.

Exits 1 naming every file that fails and why, 2 when there is nothing to check (a capture step
that wrote nothing would otherwise pass).
"""

import json
import pathlib
import sys


def check_fhir(path):
    from fhir.resources import construct_fhir_element

    data = json.loads(path.read_bytes().decode("utf-8"))
    kind = data.get("resourceType")
    if not kind:
        raise ValueError("no resourceType")
    construct_fhir_element(kind, data)
    # A Bundle's entries are validated as the resources they say they are, too.
    for i, entry in enumerate(data.get("entry", []) if kind == "Bundle" else []):
        resource = entry.get("resource", {})
        try:
            construct_fhir_element(resource.get("resourceType"), resource)
        except Exception as e:  # noqa: BLE001 - the validator's own message is the report.
            raise ValueError(f"entry[{i}] {resource.get('resourceType')}: {e}") from e
        url = entry.get("fullUrl", "")
        if not (url.startswith("http://") or url.startswith("https://")):
            raise ValueError(f"entry[{i}].fullUrl {url!r} is not absolute")
    return kind


def check_hl7(path):
    from hl7apy.consts import VALIDATION_LEVEL
    from hl7apy.parser import parse_message

    text = path.read_bytes().decode("utf-8")
    text = text.replace("\r\n", "\r").strip("\r\n")
    msh = text.split("\r", 1)[0].split("|")
    version = msh[11] if len(msh) > 11 else ""
    kind = msh[8] if len(msh) > 8 else ""
    parts = kind.split(msh[1][0]) if len(msh) > 1 and msh[1] else [kind]
    if parts[0] == "ACK" and len(parts) == 2:
        msh[8] = f"{kind}{msh[1][0]}ACK"
        text = "|".join(msh) + text[len(text.split("\r", 1)[0]):]
    message = parse_message(
        text,
        validation_level=VALIDATION_LEVEL.STRICT,
        find_groups=True,
        force_validation=True,
    )
    message.validate()
    return f"{kind} v{version}"


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = pathlib.Path(sys.argv[1])
    failures = []
    counts = {}
    for folder, check in (("fhir", check_fhir), ("hl7", check_hl7)):
        for path in sorted((root / folder).glob("*")):
            try:
                kind = check(path)
                counts[kind] = counts.get(kind, 0) + 1
            except Exception as e:  # noqa: BLE001 - every failure is reported with its file.
                failures.append(f"{path}: {type(e).__name__}: {e}")
    for kind, n in sorted(counts.items()):
        print(f"valid: {n} x {kind}")
    for f in failures:
        print(f"INVALID {f}")
    if failures:
        return 1
    if not counts:
        print(f"nothing captured under {root}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
