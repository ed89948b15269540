// Validates Kubernetes resources offline against the JSON schemas of the Kubernetes API (kubernetes-models) and of
// the Prometheus operator's resources (@kubernetes-models/prometheus-operator): wrong types, bad enum values,
// missing required fields and, where the schema closes an object, unknown fields fail.
//
// Input on stdin: a JSON array of resources (what `kubectl kustomize` rendered). Output: one line per problem,
// "<kind>/<name>: <problem>"; the exit code is 1 when there is any, 0 otherwise.
import { readFileSync } from "node:fs";

const GROUPS = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

async function modelOf(apiVersion, kind) {
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  const module = `${GROUPS[group] ?? "kubernetes-models"}/${apiVersion}`;
  let models;
  try {
    models = await import(module);
  } catch (error) {
    return null;
  }
  return models[kind] ?? null;
}

function describe(error) {
  if (Array.isArray(error.errors)) {
    return error.errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""}`);
  }
  return [String(error.message ?? error)];
}

const resources = JSON.parse(readFileSync(0, "utf8"));
const problems = [];
for (const resource of resources) {
  const what = `${resource?.kind}/${resource?.metadata?.name}`;
  const Model = await modelOf(String(resource?.apiVersion), String(resource?.kind));
  if (Model === null) {
    problems.push(`${what}: no schema for apiVersion ${resource?.apiVersion}, kind ${resource?.kind}`);
    continue;
  }
  try {
    new Model(resource).validate();
  } catch (error) {
    describe(error).forEach((line) => problems.push(`${what}: ${line}`));
  }
}
problems.forEach((line) => console.log(line));
console.error(`validated ${resources.length} resources, ${problems.length} problem(s)`);
process.exit(problems.length === 0 ? 0 : 1);
