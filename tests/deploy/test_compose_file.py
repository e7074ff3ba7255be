"""Structure of the deployment files. No Docker engine is needed: the files are parsed."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
NATS_CONF = ROOT / "deploy" / "nats" / "nats.conf"
K8S_DIR = ROOT / "deploy" / "k8s"

APP_PORTS = {
    "registry": 8101,
    "activities": 8102,
    "requests": 8103,
    "notify": 8104,
    "gateway": 8000,
}
APPS = sorted(APP_PORTS)
INFRA = ("mongo", "mongo-init", "nats")
REQUIRED_SECRETS = {
    "gateway": ["GATEWAY_JWT_SECRET"],
    "registry": ["REGISTRY_ID_KEY"],
    "mongo": ["MONGO_ROOT_PASSWORD"],
    "mongo-init": ["MONGO_ROOT_PASSWORD"],
}
MIN_NATS = (2, 12, 3)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    assert COMPOSE_FILE.is_file(), f"{COMPOSE_FILE} is missing"
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose.get("services") or {}


def env_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def depends_of(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):  # short form means service_started
        return {name: "service_started" for name in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def as_list(command: Any) -> list[str]:
    return command.split() if isinstance(command, str) else list(command or [])


def healthcheck_text(service: dict[str, Any]) -> str:
    return " ".join(as_list((service.get("healthcheck") or {}).get("test")))


@pytest.mark.unit
def test_every_process_of_the_system_is_a_service(services: dict[str, Any]) -> None:
    missing = sorted((set(APPS) | set(INFRA)) - set(services))
    assert not missing, f"docker-compose.yml lacks services {missing}; it has {sorted(services)}"


@pytest.mark.unit
@pytest.mark.parametrize("name", APPS)
def test_app_is_built_from_the_shared_dockerfile(services: dict[str, Any], name: str) -> None:
    build = services[name].get("build")
    assert isinstance(build, dict), f"{name}: `build` should be a mapping, got {build!r}"
    assert build.get("dockerfile") == "deploy/Dockerfile", (
        f"{name}: builds from {build.get('dockerfile')!r}, expected 'deploy/Dockerfile'"
    )
    assert build.get("context") in (".", "./"), (
        f"{name}: build context is {build.get('context')!r}, expected the repository root '.'"
    )


@pytest.mark.unit
def test_apps_share_one_build_and_image(services: dict[str, Any]) -> None:
    builds = {name: services[name].get("build") for name in APPS}
    images = {name: services[name].get("image") for name in APPS}
    assert len({repr(b) for b in builds.values()}) == 1, f"app services build differently: {builds}"
    assert len(set(images.values())) == 1, f"app services name different images: {images}"


@pytest.mark.unit
@pytest.mark.parametrize("name", APPS)
def test_app_runs_its_own_module(services: dict[str, Any], name: str) -> None:
    command = as_list(services[name].get("command"))
    assert command == ["python", "-m", f"services.{name}"], (
        f"{name}: command is {command}, expected ['python', '-m', 'services.{name}']"
    )


@pytest.mark.unit
@pytest.mark.parametrize("name", APPS)
def test_app_healthcheck_asks_readiness_on_its_port(services: dict[str, Any], name: str) -> None:
    test = healthcheck_text(services[name])
    assert test, f"{name}: no healthcheck"
    url = f"127.0.0.1:{APP_PORTS[name]}/healthz/ready"
    assert url in test or f"localhost:{APP_PORTS[name]}/healthz/ready" in test, (
        f"{name}: healthcheck {test!r} does not query {url}"
    )
    assert "curl" not in test, f"{name}: python:3.11-slim has no curl; use python/urllib: {test!r}"


@pytest.mark.unit
@pytest.mark.parametrize("name", APPS)
def test_app_waits_for_infrastructure(services: dict[str, Any], name: str) -> None:
    deps = depends_of(services[name])
    expected = {
        "mongo": "service_healthy",
        "nats": "service_healthy",
        "mongo-init": "service_completed_successfully",
    }
    wrong = {dep: deps.get(dep) for dep, cond in expected.items() if deps.get(dep) != cond}
    assert not wrong, f"{name}: depends_on conditions {wrong}, expected {expected}"


@pytest.mark.unit
@pytest.mark.parametrize("name", APPS)
def test_app_is_configured_and_drains_on_stop(services: dict[str, Any], name: str) -> None:
    service = services[name]
    env = env_of(service)
    missing = [key for key in ("SUBDISTRICT", "NATS_URL", "MONGO_URL") if not env.get(key)]
    assert not missing, f"{name}: environment lacks {missing}"
    assert env["SUBDISTRICT"] == "${SUBDISTRICT:-quantang}", (
        f"{name}: SUBDISTRICT is {env['SUBDISTRICT']!r}, expected '${{SUBDISTRICT:-quantang}}'"
    )
    assert env["NATS_URL"].startswith("nats://nats:4222"), f"{name}: NATS_URL={env['NATS_URL']!r}"
    assert "@mongo:27017" in env["MONGO_URL"] and "replicaSet=" in env["MONGO_URL"], (
        f"{name}: MONGO_URL={env['MONGO_URL']!r} should reach mongo:27017 as a replica set"
    )
    host_var = f"{name.upper()}_HTTP_HOST"
    assert env.get(host_var) == "0.0.0.0", (
        f"{name}: {host_var}={env.get(host_var)!r}; the default 127.0.0.1 is unreachable "
        "from outside the container"
    )
    port_var = f"{name.upper()}_HTTP_PORT"
    assert env.get(port_var) == str(APP_PORTS[name]), (
        f"{name}: {port_var}={env.get(port_var)!r}, expected {APP_PORTS[name]}"
    )
    assert service.get("restart") == "unless-stopped", f"{name}: restart={service.get('restart')!r}"
    assert service.get("stop_grace_period") == "30s", (
        f"{name}: stop_grace_period={service.get('stop_grace_period')!r}, expected '30s'"
    )


@pytest.mark.unit
def test_required_secrets_fail_loudly_when_unset(services: dict[str, Any]) -> None:
    for name, keys in REQUIRED_SECRETS.items():
        env = env_of(services[name])
        for key in keys:
            assert any(f"${{{key}:?" in value for value in env.values()), (
                f"{name}: no environment value takes {key} as '${{{key}:?message}}': {env}"
            )
    for name in APPS:
        mongo_url = env_of(services[name]).get("MONGO_URL", "")
        assert "${MONGO_ROOT_PASSWORD:?" in mongo_url, (
            f"{name}: MONGO_URL must embed '${{MONGO_ROOT_PASSWORD:?...}}', got {mongo_url!r}"
        )


@pytest.mark.unit
def test_no_secret_has_a_default_anywhere() -> None:
    text = COMPOSE_FILE.read_text()
    secrets = ("GATEWAY_JWT_SECRET", "REGISTRY_ID_KEY", "MONGO_ROOT_PASSWORD")
    for key in secrets:
        for match in re.finditer(r"\$\{" + key + r"([^}]*)\}", text):
            assert match.group(1).startswith(":?"), (
                f"'{match.group(0)}' gives {key} a default or none; use '${{{key}:?message}}'"
            )
        assert not re.search(r"\$" + key + r"\b", text), f"bare ${key} in compose; use ${{{key}:?}}"


@pytest.mark.unit
def test_nats_is_recent_and_runs_jetstream(services: dict[str, Any]) -> None:
    nats = services["nats"]
    image = nats.get("image", "")
    repo, _, tag = image.partition(":")
    assert repo in ("nats", "docker.io/library/nats"), f"nats: {image!r} is not the official image"
    found = re.match(r"(\d+(?:\.\d+){0,2})", tag)
    assert found, f"nats: image tag {tag!r} has no version; pin 2.12.x (>= 2.12.3)"
    version = tuple(int(part) for part in found.group(1).split("."))
    # A floating tag (2.12) resolves to that line's newest patch.
    assert version >= MIN_NATS[: len(version)], f"nats: {image} is older than 2.12.3"
    command = as_list(nats.get("command"))
    assert "-js" in command or "--jetstream" in command, f"nats: command {command} lacks -js"
    assert "/etc/nats/nats.conf" in command, f"nats: command {command} does not load nats.conf"
    mounts = " ".join(nats.get("volumes") or [])
    assert "deploy/nats/nats.conf:/etc/nats/nats.conf" in mounts, f"nats: no nats.conf in {mounts}"
    test = healthcheck_text(nats)
    assert "8222/healthz" in test and "js-enabled-only=true" in test, (
        f"nats: healthcheck {test!r} should query :8222/healthz?js-enabled-only=true"
    )


@pytest.mark.unit
def test_nats_config_sets_jetstream_store_and_payload() -> None:
    text = NATS_CONF.read_text()
    for pattern, what in [
        (r"(?m)^\s*port:\s*4222\b", "client port 4222"),
        (r"(?m)^\s*http_port:\s*8222\b", "monitoring port 8222"),
        (r"(?m)^\s*max_payload:\s*1MB\b", "max_payload 1MB"),
        (r"(?ms)^\s*jetstream\s*\{.*store_dir:\s*\"?/data\"?", "jetstream store under /data"),
        (r"(?m)^\s*max_file_store:", "max_file_store"),
    ]:
        assert re.search(pattern, text), f"deploy/nats/nats.conf lacks {what}"


@pytest.mark.unit
def test_mongo_is_a_replica_set_with_auth_and_a_one_shot_init(services: dict[str, Any]) -> None:
    mongo, init = services["mongo"], services["mongo-init"]
    assert str(mongo.get("image", "")).startswith("mongo:7"), f"mongo: image {mongo.get('image')!r}"
    command = as_list(mongo.get("command"))
    assert "--replSet" in command, f"mongo: command {command} lacks --replSet"
    assert "--keyFile" in command, f"mongo: replSet with auth needs --keyFile; command {command}"
    assert env_of(mongo).get("MONGO_INITDB_ROOT_USERNAME"), "mongo: no root user configured"
    assert "mongosh" in healthcheck_text(mongo), "mongo: healthcheck should ping with mongosh"
    assert depends_of(init).get("mongo") == "service_healthy", (
        f"mongo-init: depends_on {depends_of(init)}, expected mongo: service_healthy"
    )
    assert init.get("restart") in ("no", None), (
        f"mongo-init is one-shot; restart={init.get('restart')!r} would rerun it forever"
    )


@pytest.mark.unit
def test_infrastructure_has_healthchecks_and_volumes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("mongo", "nats"):
        assert healthcheck_text(services[name]), f"{name}: no healthcheck"
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        for mount in service.get("volumes") or []:
            source = mount.split(":")[0] if isinstance(mount, str) else mount.get("source", "")
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name}: bind-mounts missing {source}"
            else:
                assert source in declared, f"{name}: volume {source!r} not declared at top level"
    assert {"mongo-data", "nats-data"} <= declared, f"named data volumes missing: {declared}"


@pytest.mark.unit
def test_gateway_publishes_port_8000_on_loopback_only(services: dict[str, Any]) -> None:
    # The API has no authentication until the gateway-accounts issue: host only till then.
    ports = [str(port) for port in services["gateway"].get("ports") or []]
    assert ports == ["127.0.0.1:8000:8000"], f"gateway: ports {ports}, expected 127.0.0.1:8000:8000"
    for name, service in services.items():
        if name != "gateway":
            assert not service.get("ports"), f"{name}: publishes {service.get('ports')}"


@pytest.mark.unit
def test_dockerfile_builds_one_non_root_image_from_the_lock_file() -> None:
    assert DOCKERFILE.is_file(), f"{DOCKERFILE} is missing"
    text = DOCKERFILE.read_text()
    assert re.search(r"(?m)^FROM\s+(\$\{PYTHON_IMAGE\}|python:3\.11-slim)", text), (
        "deploy/Dockerfile should build FROM python:3.11-slim"
    )
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in text or "FROM python:3.11-slim" in text, (
        "deploy/Dockerfile base image is not python:3.11-slim"
    )
    lock = text.find("pip install --no-cache-dir -r requirements-runtime.lock")
    project = text.find("--no-deps .")
    assert lock >= 0, (
        "deploy/Dockerfile does not `pip install --no-cache-dir -r requirements-runtime.lock`"
    )
    assert project > lock, "deploy/Dockerfile should `pip install --no-deps .` after the lock file"
    for folder in ("shared/", "services/", "docs/asyncapi/"):
        assert re.search(rf"(?m)^COPY\b.*\b{folder}", text), f"Dockerfile does not copy {folder}"
    users = re.findall(r"(?m)^USER\s+(\S+)", text)
    assert users and users[-1] not in ("root", "0"), f"deploy/Dockerfile final USER is {users}"
    assert re.search(r'(?m)^CMD\s+\["python",\s*"-m",\s*"services\.gateway"\]', text), (
        "deploy/Dockerfile default CMD should run the gateway"
    )


@pytest.mark.unit
def test_the_runtime_lock_pins_the_same_versions_as_the_full_lock() -> None:
    def pins(name: str) -> dict[str, str]:
        lines = (ROOT / name).read_text().splitlines()
        return dict(
            line.split("==", 1) for line in lines if "==" in line and not line.startswith("#")
        )

    runtime, full = pins("requirements-runtime.lock"), pins("requirements.lock")
    assert runtime, "requirements-runtime.lock pins nothing"
    differ = {p: (v, full.get(p)) for p, v in runtime.items() if full.get(p) != v}
    assert not differ, f"runtime lock disagrees with requirements.lock (run `make lock`): {differ}"


@pytest.fixture(scope="module")
def k8s_objects() -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for path in sorted(K8S_DIR.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        objects += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return objects


@pytest.mark.unit
def test_kustomization_lists_existing_files() -> None:
    kustomization = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())
    resources = kustomization.get("resources") or []
    assert resources, "deploy/k8s/kustomization.yaml lists no resources"
    missing = [r for r in resources if not (K8S_DIR / r).exists()]
    assert not missing, f"kustomization.yaml lists missing files {missing}"


@pytest.mark.unit
def test_every_k8s_deployment_has_probes_and_grace(k8s_objects: list[dict[str, Any]]) -> None:
    deployments = {o["metadata"]["name"]: o for o in k8s_objects if o.get("kind") == "Deployment"}
    assert set(deployments) == set(APPS), f"k8s Deployments {sorted(deployments)}, expected {APPS}"
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod.get("terminationGracePeriodSeconds") == 30, (
            f"{name}: terminationGracePeriodSeconds={pod.get('terminationGracePeriodSeconds')}"
        )
        for container in pod["containers"]:
            where = f"{name}/{container['name']}"
            ready = (container.get("readinessProbe") or {}).get("httpGet") or {}
            live = (container.get("livenessProbe") or {}).get("httpGet") or {}
            assert ready.get("path") == "/healthz/ready", f"{where}: readinessProbe is {ready}"
            assert live.get("path") == "/healthz/live", f"{where}: livenessProbe is {live}"
            assert container.get("command") == ["python", "-m", f"services.{name}"], (
                f"{where}: command {container.get('command')}"
            )
            host = {e["name"]: e.get("value") for e in container.get("env") or []}
            assert host.get(f"{name.upper()}_HTTP_HOST") == "0.0.0.0", (
                f"{where}: {name.upper()}_HTTP_HOST must be 0.0.0.0 for probes to reach it"
            )
            sources = container.get("envFrom") or []
            env = container.get("env") or []
            assert any("configMapRef" in s for s in sources), f"{where}: no envFrom ConfigMap"
            assert any("secretRef" in s for s in sources) or any(
                "secretKeyRef" in (e.get("valueFrom") or {}) for e in env
            ), f"{where}: takes nothing from a Secret"


@pytest.mark.unit
def test_k8s_gateway_has_a_service(k8s_objects: list[dict[str, Any]]) -> None:
    services = [o for o in k8s_objects if o.get("kind") == "Service"]
    selectors = [s["spec"].get("selector", {}) for s in services]
    assert any("gateway" in sel.values() for sel in selectors), (
        f"no k8s Service selects the gateway; selectors: {selectors}"
    )


@pytest.mark.unit
def test_notify_gets_its_channels_from_env_and_reads_unset_as_off(
    services: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.notify.channels.registry import configured
    from services.notify.config import NotifySettings

    env = env_of(services["notify"])
    for key in ("NOTIFY_WECOM_ROBOTS", "NOTIFY_WEBHOOKS", "NOTIFY_SMTP_HOST", "NOTIFY_SMS_URL"):
        assert f"${{{key}:-" in env.get(key, ""), f"notify: {key} is not passed from .env"
    for key in ("NOTIFY_SMTP_PASSWORD", "NOTIFY_SMS_ACCESS_KEY_SECRET"):
        assert env.get(key) == f"${{{key}:-}}", f"notify: {key} must have no default"
    # What compose hands over when .env sets none of them: every channel off but the inbox.
    for key, value in env.items():
        if key.startswith("NOTIFY_") and "${" in value:
            default = value.split(":-", 1)[1].rstrip("}")
            monkeypatch.setenv(key, default)
    assert configured(NotifySettings()) == {"inbox"}


@pytest.mark.unit
def test_k8s_notify_takes_its_channels_from_an_optional_secret(
    k8s_objects: list[dict[str, Any]],
) -> None:
    [notify] = [
        o
        for o in k8s_objects
        if o.get("kind") == "Deployment" and o["metadata"]["name"] == "notify"
    ]
    [container] = notify["spec"]["template"]["spec"]["containers"]
    refs = [ref["secretRef"] for ref in container["envFrom"] if "secretRef" in ref]
    assert refs == [{"name": "redvest-notify", "optional": True}]
