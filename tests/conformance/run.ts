// `npm run test:conformance`: our generated codec against Apache Kafka's own Java
// implementation. For every API, version and direction in the pinned descriptors,
// Kafka serializes our vectors; our codec must decode those bytes to the same values
// (compared as JSON), re-encode them to identical bytes, and build the same bytes
// from the values alone (JSON in, encode out).
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { fetchDescriptorJars, pinnedReleases } from "../../schemas/fetch.js";
import { loadSource, mergeApis } from "../../codegen/load.js";
import { mergeDescriptors } from "../../codegen/merge.js";
import { Descriptor } from "../../codegen/descriptor.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { rootPath, cachePath } from "../../tools/lib/paths.js";
import { run, step } from "../../tools/lib/proc.js";
import { vectorsFor, Vector } from "./vectors.js";

const POM = rootPath("tests", "conformance", "java", "pom.xml");

async function harnessClasspath(kafkaVersion: string): Promise<string> {
  const file = cachePath("conformance", `classpath-${kafkaVersion}.txt`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await run("mvn", ["-q", "-B", "-f", POM, "dependency:build-classpath", `-Dkafka.version=${kafkaVersion}`, `-Dmdep.outputFile=${file}`], { label: `mvn classpath for kafka-clients ${kafkaVersion}` });
  }
  return `${rootPath("tests", "conformance", "java", "target", "classes")}:${fs.readFileSync(file, "utf8").trim()}`;
}

/** Feeds vectors to one JVM running the harness; answers come back in order, one line each. */
async function runHarness(classpath: string, vectors: Vector[]): Promise<Map<number, { hex?: string; json?: unknown; error?: string }>> {
  const child = spawn("java", ["-Xmx1g", "-cp", classpath, "dev.kafkaproxywasm.conformance.Harness"], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "", err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const done = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? 1)));
  for (const v of vectors) child.stdin.write(JSON.stringify({ id: v.id, name: v.name, version: v.version, json: v.json }) + "\n");
  child.stdin.end();
  if ((await done) !== 0) throw new Error(`conformance harness failed:\n${err.slice(-3000)}`);
  const answers = new Map<number, { hex?: string; json?: unknown; error?: string }>();
  for (const line of out.split("\n")) if (line.startsWith("{")) { const a = JSON.parse(line); answers.set(a.id, a); }
  return answers;
}

/** Values a tagged field can be left at: Kafka's JSON omits those. */
function isDefaultLike(v: unknown): boolean {
  return v === null || v === false || v === 0 || v === -1 || v === "" || v === "AAAAAAAAAAAAAAAAAAAAAA" || (Array.isArray(v) && v.length === 0);
}

/** Deep comparison; reports the first differing path. */
export function firstDifference(ours: unknown, theirs: unknown, at = "$"): string | null {
  if (typeof ours === "number" && typeof theirs === "number") return ours === theirs ? null : `${at}: ${ours} ≠ ${theirs}`;
  if (ours === null || theirs === null || typeof ours !== "object" || typeof theirs !== "object") {
    return ours === theirs ? null : `${at}: ${JSON.stringify(ours)} ≠ ${JSON.stringify(theirs)}`;
  }
  if (Array.isArray(ours) !== Array.isArray(theirs)) return `${at}: array vs object`;
  if (Array.isArray(ours)) {
    const t = theirs as unknown[];
    if (ours.length !== t.length) return `${at}: ${ours.length} elements ≠ ${t.length}`;
    for (let i = 0; i < ours.length; i++) { const d = firstDifference(ours[i], t[i], `${at}[${i}]`); if (d) return d; }
    return null;
  }
  const o = ours as Record<string, unknown>, t = theirs as Record<string, unknown>;
  for (const k of new Set([...Object.keys(o), ...Object.keys(t)])) {
    // Kafka renders records as their size (serializeRecords=false); the bytes themselves
    // are checked by the byte-identical re-encode.
    if (k.endsWith("SizeInBytes") && !(k in o) && k.slice(0, -11) in o) continue;
    if (`${k}SizeInBytes` in t && !(k in t)) {
      const ourLen = o[k] === null ? null : Buffer.from(String(o[k]), "base64").length;
      if (ourLen !== t[`${k}SizeInBytes`]) return `${at}.${k}: ${ourLen} bytes ≠ ${t[`${k}SizeInBytes`]}`;
      continue;
    }
    // Kafka leaves tagged fields at their default out of its JSON.
    if (!(k in t) && isDefaultLike(o[k])) continue;
    if (!(k in t)) return `${at}.${k}: only in ours`;
    if (!(k in o)) return `${at}.${k}: only in Kafka's`;
    const d = firstDifference(o[k], t[k], `${at}.${k}`);
    if (d) return d;
  }
  return null;
}

async function main(): Promise<void> {
  const releases = pinnedReleases();
  const jars = await fetchDescriptorJars();
  const perRelease = jars.map(loadSource);
  const apis = mergeApis(perRelease);
  step("building the Java harness with mvn");
  await run("mvn", ["-q", "-B", "-f", POM, "package", "-DskipTests"], { label: "mvn package (conformance harness)" });
  const classpaths = await Promise.all(releases.map((r) => harnessClasspath(r.version)));

  // Vectors, each routed to the newest release whose descriptor still has that version.
  const byRelease: Vector[][] = releases.map(() => []);
  const pairs = new Map<string, { vectors: Vector[] }>();
  let id = 1, seed = 1;
  for (const api of apis) {
    for (const response of [false, true]) {
      const name = `${api.name}${response ? "Response" : "Request"}`;
      const versions: (Descriptor | undefined)[] = perRelease.map((ds) => ds.find((d) => d.name === name));
      const merged = mergeDescriptors(versions.filter((d): d is Descriptor => d !== undefined));
      const vectors = vectorsFor(merged, api.key, response, id, seed++);
      id += vectors.length;
      for (const v of vectors) {
        const r = versions.findIndex((d) => d !== undefined && d.validVersions.contains(v.version));
        if (r < 0) throw new Error(`${name} v${v.version} is in no release`);
        byRelease[r].push(v);
        const key = `${api.name} v${v.version} ${response ? "response" : "request"}`;
        if (!pairs.has(key)) pairs.set(key, { vectors: [] });
        pairs.get(key)!.vectors.push(v);
      }
    }
  }
  const answers = new Map<number, { hex?: string; json?: unknown; error?: string }>();
  for (let r = 0; r < releases.length; r++) {
    step(`Kafka ${releases[r].version} serializes ${byRelease[r].length} vectors`);
    for (const [k, v] of await runHarness(classpaths[r], byRelease[r])) answers.set(k, v);
  }

  step("our codec decodes and re-encodes every vector");
  const dissector = await Dissector.load();
  const failures: string[] = [];
  let passed = 0;
  const vectorsDir = cachePath("conformance", "vectors");
  fs.mkdirSync(vectorsDir, { recursive: true });
  const corpus: string[] = [];
  for (const [key, { vectors }] of pairs) {
    let ok = true;
    for (const v of vectors) {
      const a = answers.get(v.id);
      const why = (() => {
        if (!a) return "no answer from the harness";
        if (a.error) return `Kafka could not serialize the vector: ${a.error}`;
        const bytes = Buffer.from(a.hex!, "hex");
        corpus.push(JSON.stringify({ apiKey: v.apiKey, version: v.version, response: v.response, hex: a.hex }));
        const decoded = dissector.decodeBody(v.apiKey, v.version, v.response, bytes);
        if (!decoded.ok) return `our decode failed: ${decoded.text}`;
        const diff = firstDifference(JSON.parse(decoded.text), a.json);
        if (diff) return `values differ at ${diff}`;
        const rt = dissector.roundTrip(v.apiKey, v.version, v.response, bytes);
        if (rt !== 0) return `re-encode ${["", "unknown api", "decode failed", "size() wrong", "bytes differ"][rt]}`;
        // Built from values alone (our JSON of it), the message must encode to Kafka's bytes.
        const built = dissector.encodeBody(v.apiKey, v.version, v.response, decoded.text);
        if (!built.ok) return `encode from JSON failed: ${built.text.split("\n")[0]}`;
        if (!built.bytes.equals(bytes)) return "encoded from JSON, bytes differ from Kafka's";
        return null;
      })();
      if (why) { ok = false; failures.push(`${key} (${v.variant}): ${why}`); }
    }
    if (ok) passed++;
  }
  fs.writeFileSync(path.join(vectorsDir, "corpus.jsonl"), corpus.join("\n") + "\n");
  for (const f of failures.slice(0, 40)) console.log(`  FAIL ${f}`);
  if (failures.length > 40) console.log(`  … and ${failures.length - 40} more`);
  console.log(`conformance: ${passed}/${pairs.size} pairs`);
  if (passed < pairs.size) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
}
