// `kafka-proxy-wasm codegen`: descriptors in, AssemblyScript out.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadSource, mergeApis, Api } from "./load.js";
import { emitApiTable } from "./emit_api_table.js";
import { fetchDescriptorJars, pinnedReleases } from "../schemas/fetch.js";
import { rootPath } from "../tools/lib/paths.js";

export const USAGE = `kafka-proxy-wasm codegen [options]

Reads Apache Kafka's protocol descriptors and writes AssemblyScript into --out.

  --descriptors <jar|dir>  a kafka-clients jar or a folder of *.json descriptors;
                           repeat it to merge releases, newest first.
                           Default: the releases pinned in schemas/releases.json (fetched with mvn).
  --out <dir>              default: assembly/kafka/generated
  --apis <list>            only these APIs, by key or name (comma separated)
  --check                  write nothing; exit 1 if the files in --out differ from what would be written
`;

export interface GeneratedFile { name: string; text: string }

export function generate(releases: ReturnType<typeof loadSource>[], provenance: string, apis?: string[]): GeneratedFile[] {
  let merged: Api[] = mergeApis(releases);
  if (apis && apis.length > 0) {
    const asked = apis.map((a) => a.trim()).filter((a) => a.length > 0);
    const wanted = new Set(asked.map((a) => a.toLowerCase()));
    const unknown = asked.filter((w) => !merged.some((a) => String(a.key) === w || a.name.toLowerCase() === w.toLowerCase()));
    if (unknown.length > 0) throw new Error(`--apis: unknown API ${unknown.join(", ")} (known: ${merged.map((a) => a.name).join(", ")})`);
    merged = merged.filter((a) => wanted.has(String(a.key)) || wanted.has(a.name.toLowerCase()));
  }
  return [{ name: "api_table.ts", text: emitApiTable(merged, provenance) }];
}

export async function codegenMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      descriptors: { type: "string", multiple: true },
      out: { type: "string" },
      apis: { type: "string" },
      check: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) { process.stdout.write(USAGE); return 0; }
  let sources = values.descriptors ?? [];
  let provenance: string;
  if (sources.length === 0) {
    sources = await fetchDescriptorJars();
    provenance = "the protocol descriptors of Apache Kafka " + pinnedReleases().map((r) => r.version).join(" + ");
  } else {
    provenance = sources.map((s) => path.basename(s)).join(" + ");
  }
  const releases = sources.map(loadSource);
  const files = generate(releases, provenance, values.apis ? values.apis.split(",") : undefined);
  const out = path.resolve(values.out ?? rootPath("assembly", "kafka", "generated"));
  if (values.check) {
    const stale = files.filter((f) => {
      const p = path.join(out, f.name);
      return !fs.existsSync(p) || fs.readFileSync(p, "utf8") !== f.text;
    });
    if (stale.length > 0) {
      process.stderr.write(`codegen --check: ${stale.length} generated file(s) are stale: ${stale.map((f) => f.name).join(", ")}\nRun \`npm run codegen\` and commit the result.\n`);
      return 1;
    }
    process.stdout.write(`codegen --check: ${files.length} file(s) up to date in ${path.relative(process.cwd(), out) || "."}\n`);
    return 0;
  }
  fs.mkdirSync(out, { recursive: true });
  for (const f of files) fs.writeFileSync(path.join(out, f.name), f.text);
  process.stdout.write(`codegen: wrote ${files.length} file(s) to ${out}\n`);
  return 0;
}
