// eslint (flat config) for the map's script, assetmap/maps/web/*.js: run `make lint-js`.
// The files are plain ES5 run in any browser, joined in a fixed order at export; each adds
// its part to window.assetmap and uses Leaflet's global L.
import js from "@eslint/js";

export default [
  js.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 5,
      sourceType: "script",
      globals: {
        window: "readonly",
        document: "readonly",
        performance: "readonly",
        L: "readonly",
      },
    },
    rules: {
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true }],
      "max-lines": ["error", { max: 300, skipBlankLines: true, skipComments: true }],
      "max-depth": ["error", 4],
      complexity: ["error", 20],
      "no-undef": "error",
      "no-unused-vars": ["error", { args: "none" }],
      "no-var": "off",
      "no-implicit-globals": "error",
      "no-shadow": "error",
      "no-use-before-define": ["error", { functions: false }],
      eqeqeq: "error",
      strict: ["error", "function"],
    },
  },
];
