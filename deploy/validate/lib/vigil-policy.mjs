// Vigil's own rules for its manifests, on top of the Kubernetes schemas (enabled with --policy):
// every service Deployment has startup, liveness and readiness probes on its health endpoints, memory limits and
// requests, a PodDisruptionBudget and a Service; no Deployment or autoscaler asks for more replicas than the
// partitions that share its work (--max-replicas name=N,...).
// Health, metrics and OpenAPI are served only on the Quarkus management interface (port 9000, named management):
// probes and the Prometheus scrape use it, each container sets QUARKUS_MANAGEMENT_HOST (the services default to
// loopback), and it stays on the cluster network: never in the gateway's Service, an Ingress, or a NodePort or
// LoadBalancer Service.
const SERVICES = ["gateway", "capture-service", "recorder-service", "event-service", "export-service", "retention-service"];
const PROBES = { startupProbe: "/q/health/started", livenessProbe: "/q/health/live", readinessProbe: "/q/health/ready" };
const MANAGEMENT = { name: "management", port: 9000 };
const isManagement = (port) => port === MANAGEMENT.port || port === String(MANAGEMENT.port) || port === MANAGEMENT.name;
const envValue = (c, name) => (c.env ?? []).find((e) => e?.name === name)?.value;

export function parseMaxReplicas(arg) {
  const out = {};
  for (const pair of (arg ?? "").split(",").filter(Boolean)) {
    const [name, n] = pair.split("=");
    if (!name || !/^\d+$/.test(n ?? "")) throw new Error(`--max-replicas: '${pair}' is not name=number`);
    out[name] = Number(n);
  }
  return out;
}

export function policyProblems(objects, maxReplicas) {
  const problems = [];
  const byKind = (k) => objects.filter((o) => o?.kind === k);
  const deployments = byKind("Deployment");
  for (const name of SERVICES) {
    const d = deployments.find((o) => o.metadata?.name === name);
    if (!d) { problems.push(`Deployment/${name}: missing`); continue; }
    const c = d.spec?.template?.spec?.containers?.[0] ?? {};
    for (const [probe, path] of Object.entries(PROBES)) {
      if (c[probe]?.httpGet?.path !== path) problems.push(`Deployment/${name}: ${probe} must GET ${path}`);
      if (c[probe]?.httpGet?.port !== MANAGEMENT.name)
        problems.push(`Deployment/${name}: ${probe} must use port ${MANAGEMENT.name}, not ${c[probe]?.httpGet?.port}`);
    }
    if (!(c.ports ?? []).some((p) => p?.name === MANAGEMENT.name && p.containerPort === MANAGEMENT.port))
      problems.push(`Deployment/${name}: needs containerPort ${MANAGEMENT.port} named ${MANAGEMENT.name}`);
    for (const container of d.spec?.template?.spec?.containers ?? []) {
      if (!envValue(container, "QUARKUS_MANAGEMENT_HOST"))
        problems.push(`Deployment/${name}: container ${container.name} must set QUARKUS_MANAGEMENT_HOST`);
    }
    if (String(envValue(c, "QUARKUS_MANAGEMENT_PORT")) !== String(MANAGEMENT.port))
      problems.push(`Deployment/${name}: QUARKUS_MANAGEMENT_PORT must be "${MANAGEMENT.port}"`);
    const annotations = d.spec?.template?.metadata?.annotations ?? {};
    if (annotations["prometheus.io/port"] !== String(MANAGEMENT.port))
      problems.push(`Deployment/${name}: prometheus.io/port must be "${MANAGEMENT.port}" (the management interface)`);
    if (annotations["prometheus.io/path"] !== "/q/metrics")
      problems.push(`Deployment/${name}: prometheus.io/path must be /q/metrics`);
    if (!c.resources?.requests?.memory || !c.resources?.limits?.memory || !c.resources?.requests?.cpu)
      problems.push(`Deployment/${name}: needs cpu and memory requests and a memory limit`);
    const labels = d.spec?.selector?.matchLabels ?? {};
    const matches = (sel) => sel && Object.keys(labels).length > 0
      && Object.entries(labels).every(([k, v]) => sel[k] === v);
    if (!byKind("PodDisruptionBudget").some((p) => matches(p.spec?.selector?.matchLabels)))
      problems.push(`Deployment/${name}: no PodDisruptionBudget selects it`);
    if (!byKind("Service").some((s) => matches(s.spec?.selector)))
      problems.push(`Deployment/${name}: no Service selects it`);
    if (name === "gateway") {
      for (const s of byKind("Service").filter((o) => matches(o.spec?.selector))) {
        if ((s.spec?.ports ?? []).some((p) => isManagement(p?.port) || isManagement(p?.targetPort)))
          problems.push(`Service/${s.metadata?.name}: must not expose the gateway's management port ${MANAGEMENT.port}`);
      }
    }
  }
  for (const s of byKind("Service")) {
    const type = s.spec?.type ?? "ClusterIP";
    if (type !== "ClusterIP" && (s.spec?.ports ?? []).some((p) => isManagement(p?.port) || isManagement(p?.targetPort)))
      problems.push(`Service/${s.metadata?.name}: management port ${MANAGEMENT.port} only on a ClusterIP Service, not ${type}`);
  }
  for (const ing of byKind("Ingress")) {
    const backends = [ing.spec?.defaultBackend, ...(ing.spec?.rules ?? []).flatMap((r) => (r?.http?.paths ?? []).map((p) => p?.backend))];
    if (backends.some((b) => isManagement(b?.service?.port?.number) || isManagement(b?.service?.port?.name)))
      problems.push(`Ingress/${ing.metadata?.name}: must not route to a management port ${MANAGEMENT.port}`);
  }
  for (const [name, max] of Object.entries(maxReplicas)) {
    const d = deployments.find((o) => o.metadata?.name === name);
    if (d && (d.spec?.replicas ?? 1) > max)
      problems.push(`Deployment/${name}: ${d.spec.replicas} replicas, more than the ${max} partitions that share its work`);
    for (const h of byKind("HorizontalPodAutoscaler").filter((o) => o.spec?.scaleTargetRef?.name === name)) {
      if (h.spec.maxReplicas > max)
        problems.push(`HorizontalPodAutoscaler/${h.metadata.name}: maxReplicas ${h.spec.maxReplicas}, more than the ${max} partitions that share its work`);
    }
  }
  return problems;
}
