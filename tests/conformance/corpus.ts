// The corpus of Kafka-serialized vectors the conformance run leaves behind, for fuzzing.
import fs from "node:fs";
import { cachePath } from "../../tools/lib/paths.js";

export interface CorpusEntry { apiKey: number; version: number; response: boolean; bytes: Buffer }

export const CORPUS_FILE = cachePath("conformance", "vectors", "corpus.jsonl");

export function loadCorpus(): CorpusEntry[] {
  if (!fs.existsSync(CORPUS_FILE)) throw new Error(`${CORPUS_FILE} is missing: run \`npm run test:conformance\` first (it writes the corpus)`);
  return fs.readFileSync(CORPUS_FILE, "utf8").split("\n").filter((l) => l.startsWith("{")).map((l) => {
    const e = JSON.parse(l);
    return { apiKey: e.apiKey, version: e.version, response: e.response, bytes: Buffer.from(e.hex, "hex") };
  });
}
