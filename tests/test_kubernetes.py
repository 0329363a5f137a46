"""Each bake's Kubernetes base (deploy/kubernetes), checked statically: every manifest
against the Kubernetes API schemas (kubernetes-validate ships them, so this runs offline),
and the manifests against each other, the Dockerfile and the service's routes."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from harness.baking import Bake

from .deploy_files import instructions, setting_variables, stages
from .readmes import readme_commands

KUBERNETES = Path("deploy/kubernetes")
# The oldest Kubernetes release still supported upstream when this was written: the
# manifests use nothing newer.
KUBERNETES_VERSION = "1.32"


def manifests(bake: Bake) -> dict[str, dict[str, Any]]:
    """Every manifest of the base by kind; each file holds one."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((bake.path / KUBERNETES).glob("*.yaml")):
        if path.name != "kustomization.yaml":
            manifest = yaml.safe_load(path.read_text())
            assert manifest["kind"] not in found, path
            found[manifest["kind"]] = manifest
    return found


def kustomization(bake: Bake) -> dict[str, Any]:
    return yaml.safe_load((bake.path / KUBERNETES / "kustomization.yaml").read_text())  # type: ignore[no-any-return]


def routes(bake: Bake) -> set[str]:
    """The paths the service answers GET on, read from the router's decorators."""
    tree = ast.parse(next(bake.path.glob("src/*/api.py")).read_text())
    return {
        decorator.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncFunctionDef)
        for decorator in node.decorator_list
        if isinstance(decorator, ast.Call)
        and ast.unparse(decorator.func) == "router.get"
        and isinstance(decorator.args[0], ast.Constant)
    }


def container(pod: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [c for c in pod["containers"] + pod.get("initContainers", []) if c["name"] == name]
    return found


def is_sqlite(bake: Bake) -> bool:
    return bool(bake.answers["database"] == "sqlite")


def test_every_manifest_matches_the_kubernetes_schema(baked: Bake) -> None:
    listed = kustomization(baked)["resources"]
    present = sorted(p.name for p in (baked.path / KUBERNETES).glob("*.yaml"))
    assert sorted([*listed, "kustomization.yaml"]) == present
    for name in listed:
        manifest = yaml.safe_load((baked.path / KUBERNETES / name).read_text())
        try:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{name}: {error.message} at {'.'.join(map(str, error.path))}")
    kinds = set(manifests(baked))
    base = {"ConfigMap", "Deployment", "Service"}
    if is_sqlite(baked):
        assert kinds == base | {"PersistentVolumeClaim"}
    else:
        assert kinds == base | {"Job", "PodDisruptionBudget", "HorizontalPodAutoscaler"}


def test_deployment_runs_the_image_as_the_dockerfile_does(baked: Bake) -> None:
    found = manifests(baked)
    deployment = found["Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    app = container(pod, "app")
    _, final = stages(baked.path)
    (exposed,) = instructions(final, "EXPOSE")
    (cmd,) = instructions(final, "CMD")
    assert app["command"] == json.loads(cmd)
    (port,) = app["ports"]
    assert (port["name"], port["containerPort"]) == ("http", int(exposed))
    assert app["image"] == baked.answers["project_slug"]
    assert [image["name"] for image in kustomization(baked)["images"]] == [app["image"]]

    # The probes: liveness never touches the database, readiness does.
    assert {"/health/live", "/health/ready"} <= routes(baked)
    assert app["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    assert app["startupProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    assert app["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}

    # The non-root user of the image, on a read-only root with /tmp writable.
    uid = int(instructions(final, "USER")[-1].split(":")[0])
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == uid
    for each in pod["containers"] + pod.get("initContainers", []):
        assert each["securityContext"]["readOnlyRootFilesystem"] is True
        assert each["securityContext"]["allowPrivilegeEscalation"] is False
        mounts = {mount["mountPath"]: mount["name"] for mount in each["volumeMounts"]}
        assert "emptyDir" in next(v for v in pod["volumes"] if v["name"] == mounts["/tmp"])
    assert {"cpu", "memory"} <= set(app["resources"]["requests"]) & set(app["resources"]["limits"])

    # The grace period covers the preStop sleep and a request that waits the whole
    # DATABASE_POOL_TIMEOUT, with room for its own work.
    command = app["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    settings = found["ConfigMap"]["data"]
    shutdown = int(command[1]) + float(settings["DATABASE_POOL_TIMEOUT"])
    assert pod["terminationGracePeriodSeconds"] >= 2 * shutdown

    # Settings come from the ConfigMap and the Secret, under the names the app reads.
    assert set(settings) <= setting_variables(baked.path)
    sources = [next(iter(source.values()))["name"] for source in app["envFrom"]]
    assert found["ConfigMap"]["metadata"]["name"] in sources
    needs_secret = not is_sqlite(baked) or baked.answers["auth"] == "fastapi-users"
    assert len(sources) == (2 if needs_secret else 1)
    assert "DATABASE_URL" in settings or needs_secret


def test_service_disruption_budget_and_autoscaler_select_the_deployment(baked: Bake) -> None:
    found = manifests(baked)
    deployment = found["Deployment"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    service = found["Service"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]
    if is_sqlite(baked):
        # One writer of the file, on the volume: never two pods at once.
        assert deployment["spec"]["replicas"] == 1
        assert deployment["spec"]["strategy"]["type"] == "Recreate"
        claim = found["PersistentVolumeClaim"]["metadata"]["name"]
        volumes = deployment["spec"]["template"]["spec"]["volumes"]
        (data,) = [v for v in volumes if "persistentVolumeClaim" in v]
        assert data["persistentVolumeClaim"]["claimName"] == claim
        mounted = {
            m["mountPath"]: m["name"]
            for m in container(deployment["spec"]["template"]["spec"], "app")["volumeMounts"]
        }
        path = found["ConfigMap"]["data"]["DATABASE_URL"].split(":///", 1)[1]
        assert mounted[str(Path(path).parent)] == data["name"]
        return
    assert deployment["spec"]["replicas"] == 2
    budget = found["PodDisruptionBudget"]["spec"]
    assert budget["selector"]["matchLabels"].items() <= labels.items()
    assert 1 <= budget["minAvailable"] < deployment["spec"]["replicas"]
    target = found["HorizontalPodAutoscaler"]["spec"]
    assert target["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert target["minReplicas"] == deployment["spec"]["replicas"] <= target["maxReplicas"]


def test_migrations_run_from_the_image_with_the_apps_settings(baked: Bake) -> None:
    found = manifests(baked)
    app_pod = found["Deployment"]["spec"]["template"]["spec"]
    app = container(app_pod, "app")
    if is_sqlite(baked):
        # Before the one replica starts, on its volume.
        pod = app_pod
        migrate = container(pod, "migrate")
        assert [c["name"] for c in pod["initContainers"]] == ["migrate"]
    else:
        pod = found["Job"]["spec"]["template"]["spec"]
        (migrate,) = pod["containers"]
        assert pod["restartPolicy"] == "Never"
        assert pod["securityContext"] == app_pod["securityContext"]
    assert migrate["command"] == ["alembic", "upgrade", "head"]
    assert migrate["image"] == app["image"]
    assert migrate["envFrom"] == app["envFrom"]
    # The image runs it where the Dockerfile put alembic.ini and the migrations.
    _, final = stages(baked.path)
    assert instructions(final, "WORKDIR")[-1] == "/app"
    assert "alembic.ini ./" in instructions(final, "COPY")
    assert "workingDir" not in migrate


def test_readme_applies_the_base_with_its_image_secret_and_migration(baked: Bake) -> None:
    """The README's commands, which no cluster runs here, name what the manifests use."""
    text = "\n".join(readme_commands(baked.path, "Running on Kubernetes"))
    commands = text.replace("\\\n", " ").splitlines()
    found = manifests(baked)
    app = container(found["Deployment"]["spec"]["template"]["spec"], "app")
    assert commands[0] == f"cd {KUBERNETES}"
    assert commands[1].startswith(f"kustomize edit set image {app['image']}=")
    secrets = [line for line in commands if line.startswith("kubectl create secret generic ")]
    keys = re.findall(r"--from-literal=([A-Z_]+)=", " ".join(secrets))
    names = {source["secretRef"]["name"] for source in app["envFrom"] if "secretRef" in source}
    assert {line.split()[4] for line in secrets} == names
    assert set(keys) <= setting_variables(baked.path)
    # Every setting is in the ConfigMap or the Secret, or has a default.
    assert ("DATABASE_URL" in keys) != ("DATABASE_URL" in found["ConfigMap"]["data"])
    if baked.answers["auth"] == "fastapi-users":
        assert "AUTH_SECRET" in keys
    assert commands[-1] == "kubectl apply -k ."
    if not is_sqlite(baked):
        # The Job runs, and completes, before the Deployment is applied.
        job = found["Job"]["metadata"]["name"]
        first, wait = commands[-3:-1]
        component, _, value = first.removeprefix("kubectl apply -k . -l ").partition("!=")
        assert found["Deployment"]["metadata"]["labels"][component] == value
        assert found["Job"]["metadata"]["labels"].get(component) != value
        assert wait.startswith("kubectl wait --for=condition=complete ")
        assert f"job/{job}" in wait.split()
        assert f"kubectl delete job {job} --ignore-not-found" in commands
