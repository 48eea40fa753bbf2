"""deploy/k8s/*.yaml: valid Kubernetes objects (offline schemas), and wired to each other.

The schemas come from the kubernetes-validate package (requirements-dev.txt), which ships
Kubernetes' JSON schemas for each minor version: nothing is downloaded. Without the package the
schema test is skipped with a message, except under CI (CI=true), where it fails: CI installs
requirements-dev.txt, so a skip there would hide a missing install.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

K8S = Path(__file__).resolve().parents[1] / "deploy" / "k8s"
FILES = sorted(K8S.glob("*.yaml"))
# The oldest Kubernetes still common in clusters, and the newest the package knows.
OLDEST = "1.29.0"


def _docs(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [d for d in yaml.safe_load_all(fh) if d]


def _all() -> dict[tuple[str, str], dict]:
    out = {}
    for path in FILES:
        for doc in _docs(path):
            out[(doc["kind"], doc["metadata"]["name"])] = doc
    return out


def _validator():
    try:
        import kubernetes_validate  # noqa: PLC0415
    except ImportError as err:
        if os.environ.get("CI"):
            pytest.fail(f"kubernetes-validate cannot be imported under CI ({err}): "
                        "CI installs requirements-dev.txt, which has it")
        pytest.skip(
            f"kubernetes-validate cannot be imported ({err}; pip install -r "
            "requirements-dev.txt): deploy/k8s is not checked against Kubernetes' schemas"
        )
    return kubernetes_validate


def test_manifests_exist():
    names = {p.name for p in FILES}
    assert {"embedviz.yaml", "redis.yaml"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_manifests_match_kubernetes_schemas(path):
    kv = _validator()
    versions = [OLDEST, kv.utils.latest_version() + ".0"]
    for doc in _docs(path):
        for version in versions:
            # strict: an unknown or misspelt field (say `livenesProbe`) is an error, as it is
            # for `kubectl apply --validate=strict`.
            try:
                kv.validate(doc, version, strict=True)
            except kv.ValidationError as err:
                pytest.fail(f"{path.name}: {doc['kind']} {doc['metadata']['name']} "
                            f"is not valid Kubernetes {version}: {err.message}")


def _selects(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def test_deployment_probes_health_and_limits_resources():
    dep = _all()[("Deployment", "embedviz")]
    pod = dep["spec"]["template"]
    assert _selects(dep["spec"]["selector"]["matchLabels"], pod["metadata"]["labels"])
    (app,) = pod["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in app["ports"]}
    assert ports == {"http": 8501}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        get = app[probe]["httpGet"]
        assert get["path"] == "/_stcore/health" and get["port"] in ports, probe
    limits, requests = app["resources"]["limits"], app["resources"]["requests"]
    assert {"cpu", "memory"} <= set(limits) and {"cpu", "memory"} <= set(requests)
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    # The image's user (Dockerfile: useradd --uid 10001).
    assert pod["spec"]["securityContext"]["runAsUser"] == 10001


def test_service_and_ingress_reach_the_pods():
    objs = _all()
    dep, svc = objs[("Deployment", "embedviz")], objs[("Service", "embedviz")]
    ing = objs[("Ingress", "embedviz")]
    assert _selects(svc["spec"]["selector"], dep["spec"]["template"]["metadata"]["labels"])
    container_ports = {p["name"] for p in dep["spec"]["template"]["spec"]["containers"][0]["ports"]}
    svc_ports = {p["name"] for p in svc["spec"]["ports"]}
    assert all(p["targetPort"] in container_ports for p in svc["spec"]["ports"])
    backends = [
        path["backend"]["service"]
        for rule in ing["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert backends and all(
        b["name"] == "embedviz" and b["port"]["name"] in svc_ports for b in backends
    )


def test_ingress_keeps_a_browser_on_one_pod_and_its_websocket_open():
    ann = _all()[("Ingress", "embedviz")]["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert ann[prefix + "affinity"] == "cookie"
    assert ann[prefix + "session-cookie-name"]
    # ingress-nginx closes a websocket idle for proxy-read-timeout (default 60 s).
    assert int(ann[prefix + "proxy-read-timeout"]) >= 3600
    assert int(ann[prefix + "proxy-send-timeout"]) >= 3600
    # Streamlit's upload cap (.streamlit/config.toml, MB) must pass the proxy's body cap.
    body = ann[prefix + "proxy-body-size"]
    assert body.endswith("m") and int(body[:-1]) > 5


def test_redis_service_matches_the_url_the_app_is_given():
    objs = _all()
    redis_svc = objs[("Service", "embedviz-redis")]
    redis_dep = objs[("Deployment", "embedviz-redis")]
    assert _selects(redis_svc["spec"]["selector"],
                    redis_dep["spec"]["template"]["metadata"]["labels"])
    assert [p["port"] for p in redis_svc["spec"]["ports"]] == [6379]
    text = (K8S / "embedviz.yaml").read_text(encoding="utf-8")
    assert "redis://embedviz-redis:6379/0" in text
