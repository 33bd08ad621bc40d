// The layers of src/ and the direction of their imports (README: "How the
// code is laid out"). test/layers.test.ts runs dependency-cruiser with this
// file and fails on any violation.
/** Which layers each layer may import (besides itself). */
const ALLOWED = {
  format: [],
  store: ["format"],
  image: ["format"],
  imap: ["format"],
  index: ["format", "store", "image", "imap"],
  worker: ["format"],
  rebuild: ["format", "store", "image", "index", "worker"],
  scan: ["format", "imap", "worker"],
  check: ["format", "store", "image", "index"],
  cli: ["format", "store", "image", "imap", "index", "worker", "rebuild", "scan", "check"],
};
const LAYERS = Object.keys(ALLOWED);

module.exports = {
  forbidden: [
    ...LAYERS.map((layer) => ({
      name: `layer-${layer}`,
      comment: `src/${layer}/ may import only ${ALLOWED[layer].length ? ALLOWED[layer].join(", ") : "nothing"} (and itself)`,
      severity: "error",
      from: { path: `^src/${layer}/` },
      to: {
        path: "^src/",
        pathNot: [`^src/${layer}/`, ...ALLOWED[layer].map((l) => `^src/${l}/`)],
      },
    })),
    {
      name: "no-cli-from-outside",
      comment: "nothing outside src/cli/ imports the command-line tool",
      severity: "error",
      from: { pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "no-circular",
      comment: "no import cycles",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-node-in-pure-layers",
      comment: "format/ and image/ are pure: no node: built-ins",
      severity: "error",
      from: { path: "^src/(format|image)/" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "src-is-layered",
      comment: "every source file lives in one layer's folder",
      severity: "error",
      from: { path: "^src/[^/]+$" },
      to: {},
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    parser: "swc",
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
    exclude: { path: "^(node_modules|dist|test/vectors)" },
  },
};
