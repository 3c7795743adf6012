// The command-line Kafka clients the tests and demo drive: kcat (Debian package).
// The Java clients come with the broker's jars; the Node client is an npm dependency.
import { have, run, step } from "../lib/proc.js";

export async function installKcat(): Promise<void> {
  if (have("kcat")) return;
  if (process.getuid?.() !== 0 || !have("apt-get")) {
    throw new Error("kcat is not installed; install the Debian/Ubuntu package `kcat` (apt-get install kcat)");
  }
  step("installing kcat with apt-get");
  await run("apt-get", ["update", "-qq"], { label: "apt-get update" });
  await run("apt-get", ["install", "-y", "-qq", "kcat"], { label: "apt-get install kcat", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}
