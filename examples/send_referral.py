"""Two demo authorities exchange a case referral through the broker that `make run` started.

ng-naptip sends it-dna a case referral; it-dna reads its inbox until that referral
arrives, verified and opened, and prints who sent it and where the audit log holds it.
From the repository root, while `make run` is running:

    .venv/bin/python examples/send_referral.py       # with the keys `make run` wrote to data/
    .venv/bin/python examples/send_referral.py DIR   # or `palermo up --demo --data-dir DIR`'s
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from clients import Endpoint, Received
from schemas.errors import KeystoreError
from schemas.keystore import load_keystore, load_root_key_bytes, read_keystore_file
from schemas.kinds import CaseReferral

TIMEOUT = 30.0


async def exchange(data_dir: Path) -> str:
    """Send the referral as ng-naptip, receive it as it-dna; what it-dna received."""
    # One passphrase opens every demo keystore (`palermo up --demo` says so, loudly).
    passphrase = (data_dir / "demo-passphrase").read_text().strip()
    url = (data_dir / "nats-url").read_text().strip()
    # An endpoint pins the directory root's public key. The demo keeps the root keystore
    # beside the broker; in production the governors hand out only the public key.
    root = load_root_key_bytes(read_keystore_file(data_dir / "root.keystore"), passphrase)
    naptip_keys = load_keystore(data_dir / "ng-naptip.keystore", passphrase)
    dna_keys = load_keystore(data_dir / "it-dna.keystore", passphrase)
    async with (
        await Endpoint.connect(url, naptip_keys, root.public) as naptip,
        await Endpoint.connect(url, dna_keys, root.public) as dna,
    ):
        sent = await naptip.send(CaseReferral(summary="Recruited in Benin City."), to=["it-dna"])
        async for event in dna.events(idle_timeout=10):
            # The inbox may also hold broker notices and messages from earlier runs.
            if isinstance(event, Received) and event.opened.binding == sent.binding:
                # Ack it and send the signed retrieval receipt now, before disconnecting
                # (the loop would do it when asked for the next event).
                await event.settle()
                kind, seq = event.opened.binding.kind, event.audit_seq
                return f"it-dna received a {kind} from {event.sender}, audit #{seq}"
    raise TimeoutError


def main(argv: list[str]) -> int:
    """Run the exchange; on failure, one line saying why and exit status 1."""
    data_dir = Path(argv[0] if argv else "data")
    try:
        print(asyncio.run(asyncio.wait_for(exchange(data_dir), TIMEOUT)))
    except (OSError, KeystoreError) as exc:
        problem = f"cannot read the demo keys in {data_dir}/ ({exc})"
    except TimeoutError:
        problem = f"the referral did not arrive within {TIMEOUT:.0f} s"
    else:
        return 0
    print(f"{problem}: is `make run` running?", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
