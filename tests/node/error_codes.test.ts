// assembly/kafka/error_codes.ts against the Errors enum of the Kafka release the stack runs:
// the checked-in constants must be exactly what `codegen --error-codes` writes from the jar.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { emitErrorCodes, readErrorsEnum, ERROR_CODES_FILE } from "../../codegen/error_codes.js";
import { javaMajorVersion, kafkaLibs, kafkaClasspath, KAFKA_VERSION } from "../../tools/stack/kafka.js";

const jar = path.join(kafkaLibs(), `kafka-clients-${KAFKA_VERSION}.jar`);
const skip = javaMajorVersion() === 0 ? "no java on the PATH: cannot read Kafka's Errors enum"
  : !fs.existsSync(jar) ? `${jar} is missing: run \`npx kafka-proxy-wasm install\` first`
  : false;

test("error_codes.ts holds exactly the codes of Kafka's Errors enum", { skip }, () => {
  const e = readErrorsEnum(kafkaClasspath());
  assert.equal(e.version, KAFKA_VERSION, "the enum comes from the release the stack runs");
  // Facts the rest of the library relies on, straight from the enum.
  const code = (name: string) => e.errors.find((x) => x.name === name)?.code;
  assert.equal(code("POLICY_VIOLATION"), 44);
  assert.equal(code("NONE"), 0);
  assert.equal(code("UNKNOWN_SERVER_ERROR"), -1);
  const checkedIn = fs.readFileSync(ERROR_CODES_FILE(), "utf8");
  const expected = emitErrorCodes(e);
  if (checkedIn !== expected) {
    const a = checkedIn.split("\n"), b = expected.split("\n");
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    assert.fail(`assembly/kafka/error_codes.ts differs from Kafka ${e.version}'s Errors enum at line ${i + 1}:\n  checked in: ${a[i]}\n  from jar:   ${b[i]}\nRun \`npx kafka-proxy-wasm codegen --error-codes\` and commit the result.`);
  }
  // Every constant is declared once with the enum's code.
  for (const x of e.errors) assert.match(checkedIn, new RegExp(`^export const ${x.name}: i16 = ${x.code};$`, "m"));
});
