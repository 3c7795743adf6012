#!/usr/bin/env node
// The kafka-proxy-wasm command: one entry point for every Node-side tool.
import { codegenMain } from "../codegen/main.js";

const USAGE = `usage: kafka-proxy-wasm <command> [options]

commands:
  init          scaffold a plugin project (package.json, asconfig.json, a plugin, its test, a README)
  build         compile a plugin project to build/<name>.wasm and check it against Envoy's ABI
  dev           start a local Kafka broker behind Envoy with a plugin loaded (--watch reloads it)
  envoy-config  print an Envoy configuration that runs a plugin in front of a Kafka cluster
  codegen       generate the AssemblyScript Kafka codec from Kafka's descriptors
  collector     receive billing usage (and flow edges) over HTTP, deduplicated, into a file
  decode        print a captured Kafka frame as JSON (the dissector)
  encode        build a Kafka frame from JSON (the reverse of decode)
  health        one ApiVersions round trip through a proxy listener (exit 1 when it fails)
  flow          draw producers → topics → consumer groups as an HTML page (telemetry plugin)
  install       fetch and cache Envoy and Kafka (what dev and the tests use)

Run \`kafka-proxy-wasm <command> --help\` for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "init":
      return (await import("./project/init.js")).initMain(rest);
    case "build":
      return (await import("./project/build.js")).buildMain(rest);
    case "envoy-config":
      return (await import("./stack/envoy_config.js")).envoyConfigMain(rest);
    case "codegen":
      return codegenMain(rest);
    case "collector":
      return (await import("./collector.js")).collectorMain(rest);
    case "decode":
      return (await import("./decode.js")).decodeMain(rest);
    case "encode":
      return (await import("./decode.js")).encodeMain(rest);
    case "flow":
      return (await import("./flow.js")).flowMain(rest);
    case "health":
      return (await import("./stack/health.js")).healthMain(rest);
    case "dev":
      return (await import("./stack/dev.js")).devMain(rest);
    case "install":
      return (await import("./stack/install.js")).installMain(rest);
    case undefined:
    case "-h":
    case "--help":
    case "help":
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`kafka-proxy-wasm: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: Error) => { process.stderr.write(`kafka-proxy-wasm: ${err.message}\n`); process.exitCode = 1; },
);
