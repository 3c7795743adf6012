// as-pect: unit tests for the AssemblyScript library (codec, reframer, JSON) in Node's V8.
export default {
  entries: ["tests/assembly/**/*.spec.ts"],
  include: ["tests/assembly/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
