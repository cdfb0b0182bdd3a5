"""A local demonstration: a directory root, broker keys and three authorities.

Everything lives under the data directory, made once and reused: the root keystore
(in production the governors keep it offline), the broker keystore, one keystore per
authority (`<id>.keystore`), the demo passphrase (`demo-passphrase`) and the ops token
(`ops-token`). On every start the broker also writes where NATS is (`nats-url`) and the
directory root's public key (`root-public`, hex): what the authorities' side of the demo
(`palermo demo send`, `palermo demo exchange`) reads, as an authority would be given
them. Not for production: one passphrase opens every keystore, and the root key sits
beside the broker.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from schemas.directory import (
    AuthorityRecord,
    Role,
    encryption_key_record,
    signing_key_record,
)
from schemas.envelope import now_ms
from schemas.keys import AuthorityKeys, SigningKey
from schemas.keystore import (
    MEMLIMIT_INTERACTIVE,
    OPSLIMIT_INTERACTIVE,
    BrokerKeys,
    dump_broker_keys,
    dump_keystore,
    dump_root_key,
    load_broker_keys_bytes,
    load_keystore_bytes,
    load_root_key_bytes,
    write_private,
)
from schemas.notice import BROKER_AUTHORITY

from .directory_store import DirectoryAdmin, broker_record

PASSPHRASE = "palermo demo passphrase"  # noqa: S105  (the demo says so, loudly)
YEAR_MS = 365 * 24 * 3600 * 1000
FAST = {"opslimit": OPSLIMIT_INTERACTIVE, "memlimit": MEMLIMIT_INTERACTIVE}

AUTHORITIES: list[tuple[str, str, list[Role], list[str]]] = [
    (
        "ng-naptip",
        "National Agency for the Prohibition of Trafficking in Persons",
        ["police", "prosecutor"],
        ["west-africa-route"],
    ),
    (
        "it-dna",
        "Direzione Nazionale Antimafia e Antiterrorismo",
        ["prosecutor"],
        ["west-africa-route"],
    ),
    ("gb-ukca", "UK Central Authority", ["central_authority"], []),
]


@dataclass
class DemoFiles:
    """The demo's keys, loaded from (or first written to) the data directory."""

    data_dir: Path
    root: SigningKey
    broker: BrokerKeys
    authorities: dict[str, AuthorityKeys]
    ops_token: str

    @property
    def passphrase_file(self) -> Path:
        """Where the demo passphrase is written (for `--passphrase-file` options)."""
        return self.data_dir / "demo-passphrase"


def prepare(data_dir: Path) -> DemoFiles:
    """Create the demo keys under `data_dir` unless they exist; load them."""
    data_dir.mkdir(parents=True, exist_ok=True)
    write_private(data_dir / "demo-passphrase", PASSPHRASE.encode() + b"\n")
    root_file = data_dir / "root.keystore"
    if not root_file.exists():
        write_private(root_file, dump_root_key(SigningKey.generate(), PASSPHRASE, **FAST))
    broker_file = data_dir / "broker.keystore"
    if not broker_file.exists():
        keys = BrokerKeys(SigningKey.generate(), SigningKey.generate())
        write_private(broker_file, dump_broker_keys(keys, PASSPHRASE, **FAST))
    token_file = data_dir / "ops-token"
    if not token_file.exists():
        write_private(token_file, secrets.token_hex(16).encode() + b"\n")
    authorities = {}
    for authority, _, _, _ in AUTHORITIES:
        path = data_dir / f"{authority}.keystore"
        if not path.exists():
            write_private(
                path, dump_keystore(AuthorityKeys.generate(authority), PASSPHRASE, **FAST)
            )
        authorities[authority] = load_keystore_bytes(path.read_bytes(), PASSPHRASE)
    return DemoFiles(
        data_dir=data_dir,
        root=load_root_key_bytes(root_file.read_bytes(), PASSPHRASE),
        broker=load_broker_keys_bytes(broker_file.read_bytes(), PASSPHRASE),
        authorities=authorities,
        ops_token=token_file.read_text().strip(),
    )


def write_connection_files(files: DemoFiles, url: str) -> None:
    """Write `nats-url` and `root-public` for the authorities' side of the demo."""
    (files.data_dir / "nats-url").write_text(url + "\n")
    (files.data_dir / "root-public").write_text(files.root.public.hex() + "\n")


async def publish_directory(admin: DirectoryAdmin, files: DemoFiles) -> None:
    """Publish the broker's and the three authorities' records (once; later runs only
    re-sign the head, so serials keep growing as they must)."""
    existing = {r.id for r in await admin.records()}
    now = now_ms()
    if BROKER_AUTHORITY not in existing:
        record = broker_record(
            files.broker, now_ms=now, valid_ms=YEAR_MS, name="Palermo broker (demo)"
        )
        await admin.put(record, change="added")
    for authority, name, roles, networks in AUTHORITIES:
        if authority in existing:
            continue
        keys = files.authorities[authority]
        await admin.put(
            AuthorityRecord(
                id=authority,
                name=name,
                country=authority[:2].upper(),
                roles=roles,
                networks=networks,
                keys=[
                    signing_key_record(keys.signing, now - YEAR_MS, now + YEAR_MS),
                    encryption_key_record(keys.encryption.public, now - YEAR_MS, now + YEAR_MS),
                ],
                status="active",
                serial=0,
                issued_ms=now,
            ),
            change="added",
        )
    await admin.sign_head()
