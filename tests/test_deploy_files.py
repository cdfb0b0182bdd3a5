"""The files under deploy/ match what the suite runs.

`deploy/nats/hub.conf` and `deploy/nats/leaf.conf`, with their environment variables
set and their TLS paths pointed at certificates made here, must pass `nats-server -t`;
the Kubernetes manifests and systemd units must parse; and all of them must agree with
each other and with the tests' servers: client 4222, routes 6222, leaf nodes 7422,
monitoring 8222 on loopback, JetStream domain `hub`, the endpoints' domain `palermo`,
TLS 1.3 on every listener, route certificates verified, leaves dialing only the URLs
they were given. The leaf file is exactly what `broker.natsleaf.render_leaf` writes,
which is what tests/cluster/test_leaf_tls.py runs.
"""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import nkeys  # no type hints (mypy override in pyproject); nats-py's NKEY helper
import pytest
import yaml

from broker import natshub
from broker.natscluster import ClusterTls, NatsCluster, NodePorts
from broker.natsconfig import DEFAULT_DOMAIN, NatsConfigError
from broker.natsleaf import HUB_LEAF_PORT, LeafAuth, render_leaf
from broker.natsserver import find_binary
from clients.gateway_config import NatsConfig as GatewayNats

from .leafkit import Certs

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
HUB_TLS = "/etc/palermo/tls/"
STORE = "/var/lib/palermo/nats"
LEAF_CREDS = "/etc/palermo/nats/leaf.creds"

# --- a reader for the subset of the NATS configuration syntax deploy/ uses ----------

_TOKEN = re.compile(
    r'\s+|#[^\n]*|//[^\n]*|(?P<str>"(?:[^"\\]|\\.)*")|(?P<punct>[{}\[\],:=])|(?P<word>[^\s{}\[\],:="#]+(?::[^\s{}\[\],:="#]+)*)'
)
"""A word may hold colons (`127.0.0.1:8222`); a colon before a space separates a key."""


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m, f"unreadable at {text[pos : pos + 30]!r}"
        pos = m.end()
        if m.lastgroup:
            out.append(m.group())
    return out


def _scalar(word: str) -> Any:
    if word.startswith('"'):
        return word[1:-1]
    if word in ("true", "false"):
        return word == "true"
    return int(word) if word.isdigit() else word


def _value(tokens: list[str], i: int) -> tuple[Any, int]:
    word = tokens[i]
    if word == "{":
        return _map(tokens, i + 1, "}")
    if word == "[":
        items: list[Any] = []
        i += 1
        while tokens[i] != "]":
            if tokens[i] == ",":
                i += 1
                continue
            item, i = _value(tokens, i)
            items.append(item)
        return items, i + 1
    return _scalar(word), i + 1


def _map(tokens: list[str], i: int, end: str | None) -> tuple[dict[str, Any], int]:
    out: dict[str, Any] = {}
    while i < len(tokens) and tokens[i] != end:
        if tokens[i] == ",":
            i += 1
            continue
        key = _scalar(tokens[i])
        i += 1
        if key == "include":
            out.setdefault("include", []).append(_scalar(tokens[i]))
            i += 1
            continue
        if tokens[i] in (":", "="):
            i += 1
        out[key], i = _value(tokens, i)
    return out, i + 1


def parse_conf(text: str) -> dict[str, Any]:
    """A NATS configuration file as nested dicts and lists (no includes followed)."""
    return _map(_tokens(text), 0, None)[0]


# --- the files ----------------------------------------------------------------------


def hub() -> dict[str, Any]:
    return parse_conf((DEPLOY / "nats" / "hub.conf").read_text())


def manifests(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((DEPLOY / "k8s" / name).read_text()) if d]


def unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def port(address: str) -> int:
    return int(str(address).rsplit(":", 1)[1])


def seed() -> str:
    return str(nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER).decode())


def nats_test(conf: Path, env: dict[str, str]) -> None:
    """`nats-server -t -c conf` must call it valid."""
    done = subprocess.run(  # noqa: S603  (our binary, our file)
        [str(find_binary()), "-t", "-c", str(conf)],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    assert "is valid" in done.stderr + done.stdout


def localise(text: str, tmp: Path, certs: Certs) -> str:
    """The file with its TLS paths on `certs` and its store under `tmp`."""
    return (
        text.replace(HUB_TLS + "server.crt", str(certs.cert_file))
        .replace(HUB_TLS + "server.key", str(certs.key_file))
        .replace(HUB_TLS + "ca.crt", str(certs.ca_file))
        .replace(HUB_TLS + "hub-ca.crt", str(certs.ca_file))
        .replace(STORE, str(tmp / "store"))
    )


# --- the tests ----------------------------------------------------------------------


def test_hub_conf_is_valid_with_its_resolver_conf(tmp_path: Path) -> None:
    """hub.conf, with PALERMO_NODE set, test certificates and the resolver.conf that
    `palermo nats-config init` writes beside it (the resolver's directory under the
    store, as docs/deployment.md has it), is a configuration nats-server accepts; and
    the resolver keeps its JWTs where the units and manifests let the server write."""
    certs = Certs.make(tmp_path / "tls")
    hub_dir = natshub.init_hub(tmp_path / "hub-dir", resolver_dir=Path(STORE) / "jwt")
    resolver = hub_dir.resolver_conf.read_text()
    assert parse_conf(resolver)["resolver"]["dir"].startswith(hub()["jetstream"]["store_dir"])
    (tmp_path / "resolver.conf").write_text(localise(resolver, tmp_path, certs))
    conf = tmp_path / "hub.conf"
    conf.write_text(localise((DEPLOY / "nats" / "hub.conf").read_text(), tmp_path, certs))
    assert str(certs.cert_file) in conf.read_text()  # every TLS path was found
    assert hub()["include"] == ["resolver.conf"]
    nats_test(conf, {"PALERMO_NODE": "nats-1"})


def test_leaf_conf_is_render_leaf_and_valid(tmp_path: Path) -> None:
    """leaf.conf is `render_leaf`'s output for the production values, comments aside
    (the authority's creds file, the hub's CA, the name from the environment), and with
    real creds where it looks for them nats-server accepts it."""
    text = (DEPLOY / "nats" / "leaf.conf").read_text()
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    urls = parse_conf(text)["leafnodes"]["remotes"][0]["urls"]
    assert body.lstrip("\n") == render_leaf(
        name="$PALERMO_LEAF_NAME",
        hub_urls=urls,
        hub_ca_file=Path(HUB_TLS + "hub-ca.crt"),
        auth=LeafAuth(credentials=Path(LEAF_CREDS)),
    )
    certs = Certs.make(tmp_path / "tls")
    creds = natshub.init_hub(tmp_path / "hub-dir").authority_creds("it-dna")
    conf = tmp_path / "leaf.conf"
    conf.write_text(localise(text, tmp_path, certs).replace(LEAF_CREDS, str(creds)))
    nats_test(conf, {"PALERMO_LEAF_NAME": "leaf-it-dna"})


def test_hub_ports_domains_and_tls() -> None:
    """Client 4222 (TLS 1.3), routes 6222 (TLS 1.3, certificates verified), leaf nodes
    7422 (TLS 1.3, no addresses announced), monitoring 8222 on loopback only; the
    JetStream domain `hub`, which is not the endpoints' `palermo`."""
    conf = hub()
    assert port(conf["listen"]) == 4222
    assert conf["http"] == "127.0.0.1:8222"
    assert port(conf["cluster"]["listen"]) == 6222
    assert port(conf["leafnodes"]["listen"]) == HUB_LEAF_PORT == 7422
    for block in (conf["tls"], conf["cluster"]["tls"], conf["leafnodes"]["tls"]):
        assert block["min_version"] == "1.3"
        assert block["cert_file"].startswith(HUB_TLS)
        assert block["ca_file"] == HUB_TLS + "ca.crt"
    assert conf["cluster"]["tls"]["verify"] is True
    assert conf["leafnodes"]["no_advertise"] is True
    assert conf["cluster"]["no_advertise"] is True
    assert all(r.startswith("tls://") and port(r) == 6222 for r in conf["cluster"]["routes"])
    assert len(conf["cluster"]["routes"]) == 3
    assert conf["jetstream"]["domain"] == "hub"
    assert DEFAULT_DOMAIN == "palermo" != conf["jetstream"]["domain"]
    assert conf["jetstream"]["store_dir"] == STORE


def test_leaf_conf_agrees_with_hub_and_gateway() -> None:
    """The leaf dials the hub's leafnode port over TLS 1.3 against the hub's CA, and
    listens on loopback where the gateway connects by default."""
    leaf = parse_conf((DEPLOY / "nats" / "leaf.conf").read_text())
    assert "jetstream" not in leaf
    assert leaf["listen"] == "127.0.0.1:4222"
    assert GatewayNats().url == "nats://" + leaf["listen"]
    (remote,) = leaf["leafnodes"]["remotes"]
    assert {u.split("://")[0] for u in remote["urls"]} == {"tls"}
    assert {port(u) for u in remote["urls"]} == {port(hub()["leafnodes"]["listen"])}
    assert remote["tls"] == {"ca_file": HUB_TLS + "hub-ca.crt", "min_version": "1.3"}
    assert remote["credentials"] == LEAF_CREDS
    assert GatewayNats().creds_file is None  # a gateway on a leaf has no creds of its own


def test_kubernetes_manifests_agree_with_hub_conf() -> None:
    """The StatefulSet runs three nodes of the pinned release from hub.conf, exposes its
    ports, routes over TLS on 6222, probes monitoring on loopback 8222, and mounts the
    TLS files, the store and the configuration where hub.conf looks for them; the
    public Service offers only clients and leaf nodes; the broker gets the hub's CA."""
    conf = hub()
    docs = {(d["kind"], d["metadata"]["name"]): d for d in manifests("nats.yaml")}
    ports = {"client": 4222, "cluster": 6222, "leafnodes": 7422}
    assert {p["name"]: p["port"] for p in docs["Service", "nats"]["spec"]["ports"]} == ports
    public_ports = docs["Service", "nats-public"]["spec"]["ports"]
    assert {p["name"]: p["port"] for p in public_ports} == {"client": 4222, "leafnodes": 7422}
    sts = docs["StatefulSet", "nats"]
    assert sts["spec"]["replicas"] == 3
    (container,) = sts["spec"]["template"]["spec"]["containers"]
    pinned = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["server"]
    assert container["image"].endswith(":" + pinned[0].split("==")[1] + "-alpine")
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == ports
    args = container["args"]
    assert args[args.index("-c") + 1] == "/etc/palermo/nats/hub.conf"
    routes = args[args.index("--routes") + 1].split(",")
    assert len(routes) == 3
    assert all(r.startswith("tls://") and port(r) == 6222 for r in routes)
    probe = " ".join(container["readinessProbe"]["exec"]["command"])
    assert "http://" + conf["http"] + "/healthz" in probe
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts["tls"] + "/" == HUB_TLS
    assert mounts["data"] == conf["jetstream"]["store_dir"]
    assert mounts["config"] == "/etc/palermo/nats"
    (broker,) = manifests("broker.yaml")
    spec = broker["spec"]["template"]["spec"]
    (worker,) = spec["containers"]
    assert {m["name"]: m["mountPath"] for m in worker["volumeMounts"]}["tls"] + "/" == HUB_TLS
    (tls,) = [v for v in spec["volumes"] if v["name"] == "tls"]
    assert tls["secret"]["items"] == [{"key": "ca.crt", "path": "ca.crt"}]  # not the key


@pytest.mark.parametrize(
    "name", ["palermo-nats.service", "palermo-leaf.service", "palermo-broker.service",
             "palermo-gateway.service"],
)  # fmt: skip
def test_systemd_units_parse(name: str) -> None:
    """Each unit has its three sections and an absolute ExecStart."""
    parsed = unit(name)
    assert {"Unit", "Service", "Install"} <= set(parsed.sections())
    assert parsed["Service"]["ExecStart"].startswith("/")


def test_systemd_units_agree_with_the_nats_files() -> None:
    """The hub unit runs hub.conf with PALERMO_NODE from its environment file and may
    write the store hub.conf names; the leaf unit runs leaf.conf with the seed and
    name from its environment file and the creds leaf.conf names; the gateway starts
    after its leaf."""
    nats = unit("palermo-nats.service")["Service"]
    assert nats["ExecStart"].endswith(" -c /etc/palermo/nats/hub.conf")
    assert hub()["jetstream"]["store_dir"] in nats["ReadWritePaths"].split()
    assert nats["EnvironmentFile"] == "/etc/palermo/nats/node.env"
    leaf = unit("palermo-leaf.service")
    assert leaf["Service"]["ExecStart"].endswith(" -c /etc/palermo/nats/leaf.conf")
    assert leaf["Service"]["EnvironmentFile"] == "/etc/palermo/nats/leaf.env"
    comment = (DEPLOY / "systemd" / "palermo-leaf.service").read_text()
    assert "PALERMO_LEAF_NAME=" in comment
    assert LEAF_CREDS in comment
    gateway = unit("palermo-gateway.service")["Unit"]
    assert "palermo-leaf.service" in gateway["After"].split()
    assert "palermo-leaf.service" in gateway["Wants"].split()


def test_the_tested_cluster_runs_hub_conf_settings(tmp_path: Path) -> None:
    """The TLS cluster the leaf tests run (`NatsCluster` with TLS and leaf nodes) has
    hub.conf's settings: TLS 1.3 on clients, routes and leaf nodes, route certificates
    verified, no addresses announced to leaves, the JetStream domain, the cluster name,
    monitoring on loopback. Only ports and paths differ."""
    certs = Certs.make(tmp_path)
    cluster = NatsCluster(
        tmp_path / "hub", 3, leafnodes=True,
        tls=ClusterTls(certs.ca_file, certs.cert_file, certs.key_file),
    )  # fmt: skip
    cluster.ports = [NodePorts(cluster=16222 + i, monitor=18222 + i, leaf=17422 + i)
                     for i in range(3)]  # fmt: skip
    tested, deployed = parse_conf(cluster.config_text(0)), hub()
    assert tested["jetstream"]["domain"] == deployed["jetstream"]["domain"]
    assert tested["cluster"]["name"] == deployed["cluster"]["name"]
    assert len(tested["cluster"]["routes"]) == len(deployed["cluster"]["routes"]) - 1  # peers
    assert tested["cluster"]["tls"]["verify"] is deployed["cluster"]["tls"]["verify"] is True
    assert tested["leafnodes"]["no_advertise"] is deployed["leafnodes"]["no_advertise"] is True
    for path in (("tls",), ("cluster", "tls"), ("leafnodes", "tls")):
        t, d = tested, deployed
        for key in path:
            t, d = t[key], d[key]
        assert t["min_version"] == d["min_version"] == "1.3"
    assert tested["http"].startswith("127.0.0.1:")
    assert deployed["http"].startswith("127.0.0.1:")


def test_render_leaf_refuses_what_the_server_would_misread() -> None:
    """A hub URL that is not TLS, a seed that is not a user seed, no or two ways to
    sign in, and a name that is neither a name nor a $VARIABLE are refused; a creds
    file becomes the remote's `credentials`."""
    ca = Path(HUB_TLS + "hub-ca.crt")
    good = LeafAuth(nkey_seed=seed())
    with pytest.raises(NatsConfigError, match="not a tls://"):
        render_leaf(name="leaf-a", hub_urls=["nats-leaf://hub:7422"], hub_ca_file=ca, auth=good)
    with pytest.raises(NatsConfigError, match="not a NATS user seed"):
        render_leaf(name="leaf-a", hub_urls=["tls://hub:7422"], hub_ca_file=ca,
                    auth=LeafAuth(nkey_seed="SA" + seed()[2:]))  # fmt: skip
    for auth in (LeafAuth(), LeafAuth(nkey_seed=seed(), nkey_env="SEED")):
        with pytest.raises(NatsConfigError, match="exactly one"):
            render_leaf(name="leaf-a", hub_urls=["tls://hub:7422"], hub_ca_file=ca, auth=auth)
    with pytest.raises(NatsConfigError, match="server name"):
        render_leaf(name="leaf a", hub_urls=["tls://hub:7422"], hub_ca_file=ca, auth=good)
    text = render_leaf(name="leaf-a", hub_urls=["tls://hub:7422"], hub_ca_file=ca,
                       auth=LeafAuth(credentials=Path("/etc/palermo/nats/a.creds")))  # fmt: skip
    remote = parse_conf(text)["leafnodes"]["remotes"][0]
    assert remote["credentials"] == "/etc/palermo/nats/a.creds"
    assert "nkey" not in remote
