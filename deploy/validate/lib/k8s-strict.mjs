// Unknown-field ("strict") checker for Kubernetes objects.
// The Kubernetes OpenAPI schema has no additionalProperties:false, so kubernetes-models'
// .validate() accepts misspelled/unknown fields. This walks the generated TypeScript
// declarations (.d.ts) that ship in the same kubernetes-models package (same OpenAPI
// source/version) and reports every key that is not a declared property.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const pkgRoot = (name) => path.dirname(require.resolve(`${name}/package.json`));
const ROOTS = {
  "kubernetes-models": pkgRoot("kubernetes-models"),
  "@kubernetes-models/apimachinery": pkgRoot("@kubernetes-models/apimachinery"),
};

const fileCache = new Map();

function resolveImport(fromFile, spec) {
  let p;
  if (spec.startsWith(".")) p = path.resolve(path.dirname(fromFile), spec);
  else {
    const pkg = Object.keys(ROOTS).find((r) => spec === r || spec.startsWith(r + "/"));
    if (!pkg) return null; // e.g. @kubernetes-models/base (TypeMeta) - not a data type
    p = path.join(ROOTS[pkg], spec.slice(pkg.length));
  }
  return p.replace(/\.js$/, "") + ".d.ts";
}

// Parse one generated .d.ts: imports + interfaces (property -> type text) + type aliases.
function parseDts(file) {
  if (fileCache.has(file)) return fileCache.get(file);
  const src = fs.readFileSync(file, "utf8").replace(/^[ \t]*\/\*\*[\s\S]*?\*\/[ \t]*\n/gm, "");
  const imports = {};
  for (const m of src.matchAll(/^import \{ ([^}]+) \} from "([^"]+)";/gm))
    for (const n of m[1].split(",").map((s) => s.trim())) imports[n] = m[2];
  const interfaces = {};
  for (const m of src.matchAll(/^export interface (\w+)(?: extends \w+)? \{\n([\s\S]*?)^\}/gm)) {
    const props = {};
    // property lines are indented by 4 spaces; nested map types span several lines
    for (const p of m[2].matchAll(/^ {4}"([^"]+)"\??: ([\s\S]*?);\n(?= {4}"|$)/gm))
      props[p[1]] = p[2].replace(/\s+/g, " ").trim();
    interfaces[m[1]] = props;
  }
  const aliases = {};
  for (const m of src.matchAll(/^export type (\w+) = ([^;]+);/gm)) aliases[m[1]] = m[2].trim();
  const parsed = { file, imports, interfaces, aliases };
  fileCache.set(file, parsed);
  return parsed;
}

// Find the declaration of a named type as seen from `ctx` (a parsed file).
function lookup(ctx, name) {
  if (ctx.interfaces[name]) return { ctx, props: ctx.interfaces[name] };
  if (ctx.aliases[name]) return { ctx, alias: ctx.aliases[name] };
  const spec = ctx.imports[name];
  if (!spec) return null;
  const f = resolveImport(ctx.file, spec);
  if (!f || !fs.existsSync(f)) return null;
  const target = parseDts(f);
  // imported under its long alias (IIoK8s...): find the interface/alias it re-exports
  const re = new RegExp(`export type \\{ (\\w+) as ${name}\\b`);
  const m = fs.readFileSync(f, "utf8").match(re);
  const local = m ? m[1] : name;
  return lookup({ ...target, imports: target.imports }, local);
}

function checkType(value, type, ctx, at, errors) {
  if (value === null || value === undefined) return;
  type = type.trim();
  let m;
  if ((m = type.match(/^Array<(.+)>$/))) {
    if (Array.isArray(value)) value.forEach((v, i) => checkType(v, m[1], ctx, `${at}[${i}]`, errors));
    return;
  }
  if ((m = type.match(/^\{ \[key: string\]: (.+); \}$/))) {
    if (value && typeof value === "object" && !Array.isArray(value))
      for (const [k, v] of Object.entries(value)) checkType(v, m[1], ctx, `${at}.${k}`, errors);
    return;
  }
  if (!/^I\w+$/.test(type)) return; // primitive / literal union / IFoo["kind"]: ajv validator covers it
  const decl = lookup(ctx, type);
  if (!decl) return;
  if (decl.alias) return checkType(value, decl.alias, decl.ctx, at, errors);
  checkObject(value, decl.props, decl.ctx, at, errors);
}

function checkObject(value, props, ctx, at, errors) {
  if (!value || typeof value !== "object" || Array.isArray(value)) return;
  if (Object.keys(props).length === 0) return; // FieldsV1, RawExtension, JSON: free-form
  for (const [k, v] of Object.entries(value)) {
    if (!(k in props)) errors.push(`${at}.${k}: unknown field`);
    else checkType(v, props[k], ctx, `${at}.${k}`, errors);
  }
}

/** Returns a list of "path: unknown field" messages (empty when none / kind unknown). */
export function unknownFields(obj) {
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : [null, obj.apiVersion];
  const dir = group ? path.join(ROOTS["kubernetes-models"], group, version) : path.join(ROOTS["kubernetes-models"], version);
  const file = path.join(dir, `${obj.kind}.d.ts`);
  if (!fs.existsSync(file)) return [];
  const ctx = parseDts(file);
  const errors = [];
  checkObject(obj, ctx.interfaces[`I${obj.kind}`], ctx, obj.kind, errors);
  return errors;
}
