// Vigil's own rules for its manifests, on top of the Kubernetes schemas (enabled with --policy):
// every service Deployment has startup, liveness and readiness probes on its health endpoints, memory limits and
// requests, a PodDisruptionBudget and a Service; no Deployment or autoscaler asks for more replicas than the
// partitions that share its work (--max-replicas name=N,...).
const SERVICES = ["gateway", "capture-service", "recorder-service", "event-service", "export-service", "retention-service"];
const PROBES = { startupProbe: "/q/health/started", livenessProbe: "/q/health/live", readinessProbe: "/q/health/ready" };

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
    }
    if (!c.resources?.requests?.memory || !c.resources?.limits?.memory || !c.resources?.requests?.cpu)
      problems.push(`Deployment/${name}: needs cpu and memory requests and a memory limit`);
    const labels = d.spec?.selector?.matchLabels ?? {};
    const matches = (sel) => sel && Object.keys(labels).length > 0
      && Object.entries(labels).every(([k, v]) => sel[k] === v);
    if (!byKind("PodDisruptionBudget").some((p) => matches(p.spec?.selector?.matchLabels)))
      problems.push(`Deployment/${name}: no PodDisruptionBudget selects it`);
    if (!byKind("Service").some((s) => matches(s.spec?.selector)))
      problems.push(`Deployment/${name}: no Service selects it`);
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
