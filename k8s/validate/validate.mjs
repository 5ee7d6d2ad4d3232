// Validates rendered Kubernetes objects (kubectl kustomize k8s/overlays/X | node k8s/validate/validate.mjs X) against the
// Kubernetes schemas of the kubernetes-models package: missing required fields and wrong types fail, and so do
// unknown fields. The schemas' validators ignore unknown fields, so each object is wrapped in a proxy that records
// which keys the validator looked at: a key it never read, in an object whose other keys it did read, is unknown.
// Objects whose keys the validator enumerated are maps (labels, data) and may hold any key.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { semanticProblems } from "./semantics.mjs";

// The overlay being checked (its directory name under k8s/overlays), for the list of external objects it expects.
const overlay = process.argv[2] ?? "";
const externalLists = JSON.parse(readFileSync(new URL("./external.json", import.meta.url), "utf8"));
const external = externalLists[overlay] ?? {};

const input = readFileSync(0, "utf8");
const documents = parseAllDocuments(input).map((doc) => doc.toJS()).filter((doc) => doc);
if (documents.length === 0) {
  console.error("no objects to validate");
  process.exit(1);
}

function modulePath(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const prefix = group === "" ? "v1" : `${group}/${version}`;
  return `kubernetes-models/${prefix}/${kind}`;
}

function watch(value, touched) {
  if (value === null || typeof value !== "object") {
    return value;
  }
  const record = { read: new Set(), enumerated: false, target: value };
  touched.push(record);
  const wrapped = Array.isArray(value)
    ? value.map((item) => watch(item, touched))
    : Object.fromEntries(Object.entries(value).map(([key, item]) => [key, watch(item, touched)]));
  return new Proxy(wrapped, {
    get(target, key, receiver) {
      if (typeof key === "string") record.read.add(key);
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === "string") record.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      record.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

let failures = 0;
for (const object of documents) {
  const name = `${object.kind}/${object.metadata?.name}`;
  let Model;
  try {
    Model = (await import(modulePath(object.apiVersion, object.kind)))[object.kind];
  } catch (e) {
    console.error(`${name}: unknown apiVersion/kind ${object.apiVersion} ${object.kind}`);
    failures++;
    continue;
  }
  const touched = [];
  try {
    // The model's validate() runs the schema's validator on `this`: here the watched object itself, not a copy.
    Model.prototype.validate.call(watch(object, touched));
  } catch (e) {
    console.error(`${name}: ${e.message}`);
    failures++;
    continue;
  }
  for (const record of touched) {
    if (Array.isArray(record.target) || record.enumerated || record.read.size === 0) continue;
    const unknown = Object.keys(record.target).filter((key) => !record.read.has(key));
    if (unknown.length > 0) {
      console.error(`${name}: unknown field(s) ${unknown.join(", ")} in ${JSON.stringify(record.target).slice(0, 120)}`);
      failures++;
    }
  }
}
for (const problem of semanticProblems(documents, external)) {
  console.error(problem);
  failures++;
}
console.log(`${overlay || "(no overlay)"}: ${documents.length} objects, ${failures} problem(s)`);
process.exit(failures === 0 ? 0 : 1);
