// Fetches the pinned kafka-clients jars (whose common/message/*.json are the protocol
// descriptors) into the cache and verifies their checksums. Kafka's files are never committed.
import fs from "node:fs";
import { rootPath, cachePath } from "../tools/lib/paths.js";
import { fetchArtifact, sha256 } from "../tools/lib/maven.js";

export interface Release { version: string; artifact: string; sha256: string }

export function pinnedReleases(): Release[] {
  return JSON.parse(fs.readFileSync(rootPath("schemas", "releases.json"), "utf8")).releases;
}

/** Returns the verified jar paths, newest release first. */
export async function fetchDescriptorJars(): Promise<string[]> {
  const jars: string[] = [];
  for (const r of pinnedReleases()) {
    const jar = await fetchArtifact(r.artifact, cachePath("schemas", r.version));
    const actual = sha256(jar);
    if (actual !== r.sha256) {
      throw new Error(`checksum mismatch for ${r.artifact}: expected ${r.sha256}, got ${actual} (${jar}). Delete it to fetch again, or update schemas/releases.json deliberately.`);
    }
    jars.push(jar);
  }
  return jars;
}
