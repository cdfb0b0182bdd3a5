"""A local demonstration: a directory root, broker keys and three authorities.

Everything lives under the data directory, made once and reused: the root keystore
(in production the governors keep it offline), the broker keystore, one keystore per
authority, the demo passphrase and the ops token. Not for production: one passphrase
opens every keystore, and the root key sits beside the broker.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path

import nats

from schemas import _crypto
from schemas.directory import (
    AuthorityRecord,
    Role,
    encryption_key_record,
    signing_key_record,
)
from schemas.envelope import now_ms, open_envelope, seal
from schemas.keys import AuthorityKeys, SigningKey
from schemas.keystore import (
    BrokerKeys,
    dump_broker_keys,
    dump_keystore,
    dump_root_key,
    load_broker_keys_bytes,
    load_keystore_bytes,
    load_root_key_bytes,
    write_private,
)
from schemas.kinds import CaseReferral
from schemas.minimise import LinkageKey
from schemas.notice import BROKER_AUTHORITY, open_notices
from schemas.records import PersonIdentity, Victim

from . import topology
from .directory_store import DirectoryAdmin, broker_record

PASSPHRASE = "palermo demo passphrase"  # noqa: S105  (the demo says so, loudly)
YEAR_MS = 365 * 24 * 3600 * 1000
FAST = {"opslimit": _crypto.ARGON2ID_OPS_INTERACTIVE, "memlimit": _crypto.ARGON2ID_MEM_INTERACTIVE}

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


async def send(url: str, data_dir: Path) -> int:
    """ng-naptip seals a case referral (victim identity minimised) to it-dna and sends it;
    prints the broker's signed notice; then, as it-dna, reads and opens it."""
    files = prepare(data_dir)
    naptip, dna = files.authorities["ng-naptip"], files.authorities["it-dna"]
    nc = await nats.connect(url, max_reconnect_attempts=0, connect_timeout=5)
    js = nc.jetstream()
    try:
        body = CaseReferral(
            case_reference="NAPTIP/LAG/2026/0117",
            summary=(
                "Victim V1, recruited in Benin City with an offer of salon work in Italy, was "
                "moved through Agadez and Tripoli and exploited in Castel Volturno."
            ),
            victims=[
                Victim(
                    ref="V1",
                    sex="female",
                    nationality="NG",
                    exploitation=["sexual"],
                    identity=PersonIdentity(
                        names=["Blessing Okafor"], date_of_birth=dt.date(2007, 3, 12)
                    ),
                )
            ],
        )
        sealed = seal(
            body,
            sender=naptip,
            recipients=[dna.recipient],
            handling="H2",
            linkage_key=LinkageKey.generate(),
        )
        await js.publish(
            topology.ingress_subject("ng-naptip"),
            sealed.data,
            headers={"Nats-Msg-Id": sealed.binding.message_id.hex()},
        )
        print(
            f"ng-naptip sent message {sealed.binding.message_id.hex()} "
            f"({len(sealed.data)} bytes, victim level {sealed.binding.victim_level})"
        )
        for authority in ("ng-naptip", "it-dna"):
            sub = await js.pull_subscribe_bind(
                durable=topology.inbox_consumer(authority), stream=topology.DELIVERY
            )
            async with asyncio.timeout(10):
                while True:
                    try:
                        (msg,) = await sub.fetch(1, timeout=1)
                    except TimeoutError:
                        continue
                    await msg.ack()
                    kind = (msg.headers or {}).get("Palermo-Type")
                    if authority == "ng-naptip" and kind == "notices":
                        for n in open_notices(msg.data, files.broker.notice.public).notices:
                            print(
                                f"broker notice to ng-naptip: {n.type} {n.reason or ''} "
                                f"audit position {n.audit_seq}"
                            )
                        break
                    if authority == "it-dna" and kind == "envelope":
                        opened = open_envelope(
                            msg.data,
                            recipient=dna,
                            resolve=lambda a, k, t: files.authorities[a].signing.public,
                            accepted_ms=int((msg.headers or {})["Palermo-Accepted-Ms"]),
                        )
                        victim = opened.body.victims[0]  # type: ignore[union-attr]
                        print(
                            f"it-dna opened a {opened.binding.kind} from "
                            f"{opened.binding.sender}: victim {victim.ref}, "
                            f"{len(victim.pseudonyms)} pseudonyms, age band {victim.age_band}, "
                            "no name or date of birth"
                        )
                        break
            await sub.unsubscribe()
    finally:
        await nc.drain()
    return 0
