// Fetching artifacts from Maven Central with the ordinary mvn client.
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { run, step } from "./proc.js";

export function sha256(file: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** Copies one artifact (group:artifact:version) into `dir` and returns its path. */
export async function fetchArtifact(coords: string, dir: string): Promise<string> {
  const [group, artifact, version] = coords.split(":");
  const file = path.join(dir, `${artifact}-${version}.jar`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(dir, { recursive: true });
  step(`fetching ${coords} with mvn`);
  await run("mvn", ["-q", "-B", "dependency:copy", `-Dartifact=${group}:${artifact}:${version}:jar`, `-DoutputDirectory=${dir}`], { label: `mvn ${coords}` });
  if (!fs.existsSync(file)) throw new Error(`mvn reported success but ${file} is missing`);
  return file;
}

/** Resolves a pom's dependencies (transitively) into `dir`. */
export async function copyDependencies(pom: string, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await run("mvn", ["-q", "-B", "-f", pom, "dependency:copy-dependencies", `-DoutputDirectory=${dir}`], { label: `mvn dependencies of ${path.basename(path.dirname(pom))}` });
}
