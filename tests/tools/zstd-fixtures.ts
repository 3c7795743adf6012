// zstd test vectors for pii-filter: records sections compressed by the reference `zstd`
// command-line tool, committed under tests/fixtures/zstd/ so tests need no zstd at run time.
// Regenerate with: node dist/tests/tools/zstd-fixtures.js (needs `zstd` on PATH).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { recordsSection } from "./batches.js";
import { rootPath } from "../../tools/lib/paths.js";

export const ZSTD_FIXTURES = rootPath("tests", "fixtures", "zstd");

/** The values of fixture `name`: deterministic, a mix of PII and plain text. */
export function fixtureValues(count: number): string[] {
  const plain = ["order 98765 shipped on 2024-01-02", "the quick brown fox jumps over the lazy dog", "kafka through envoy, version 1.2.3"];
  return Array.from({ length: count }, (_, i) => {
    switch (i % 5) {
      case 0: return `${i} password=hunter2hunter2 user=bob`;
      case 1: return `${i} mail someone.${i % 7}@example.org today`;
      case 2: return `${i} card 4111 1111 1111 1111 ok`;
      default: return `${i} ${plain[i % 3]} ${"and more words ".repeat(i % 4)}`;
    }
  });
}

/** name → (record count, zstd arguments). */
export const FIXTURES: Record<string, { count: number; args: string[] }> = {
  "small-l1-nocheck": { count: 5, args: ["-1", "--no-check"] },
  "medium-l3": { count: 300, args: ["-3"] },
  "medium-l19": { count: 300, args: ["-19"] },
  "large-l3-multiblock": { count: 6000, args: ["-3"] },
  "large-l19-long": { count: 6000, args: ["-19", "--long=20"] },
};

function main(): void {
  fs.mkdirSync(ZSTD_FIXTURES, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zstd-fixtures-"));
  for (const [name, f] of Object.entries(FIXTURES)) {
    const plain = path.join(tmp, `${name}.bin`);
    fs.writeFileSync(plain, recordsSection(fixtureValues(f.count).map((v) => Buffer.from(v))));
    const out = path.join(ZSTD_FIXTURES, `${name}.zst`);
    execFileSync("zstd", ["-q", "-f", ...f.args, plain, "-o", out]);
    process.stdout.write(`${name}: ${fs.statSync(plain).size} -> ${fs.statSync(out).size} bytes\n`);
  }
  fs.rmSync(tmp, { recursive: true });
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) main();
