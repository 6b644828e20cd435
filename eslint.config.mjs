import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettierConfig from "eslint-config-prettier";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "infra/**/*.json", ".local/**", "**/obj/**", "**/bin/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
      "no-console": "off",
    },
  },
  {
    files: ["src/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [{ group: ["**/local/**"], message: "src/ never imports the local stack." }],
        },
      ],
    },
  },
  {
    // The house rule: domain code never knows about the Functions host or the local stack.
    files: ["src/acr/**/*.ts", "src/scanning/**/*.ts", "src/policy/**/*.ts", "src/audit/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@azure/functions", "durable-functions"],
              message: "Domain folders never import the Functions host.",
            },
            { group: ["**/local/**"], message: "src/ never imports the local stack." },
          ],
        },
      ],
    },
  },
  {
    // Orchestrations are replayed: they must do the same thing every time. Time comes only from
    // context.df.currentUtcDateTime, ids from context.df.newGuid, and every I/O happens in an activity.
    files: ["src/pipeline/orchestration/**/*.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "Orchestrations read time from context.df.currentUtcDateTime." },
        {
          object: "performance",
          property: "now",
          message: "Orchestrations read time from context.df.currentUtcDateTime.",
        },
        { object: "Math", property: "random", message: "Orchestrations make ids with context.df.newGuid." },
        { object: "crypto", property: "randomUUID", message: "Orchestrations make ids with context.df.newGuid." },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: "new Date() is the wall clock: use context.df.currentUtcDateTime.",
        },
        {
          selector: "CallExpression[callee.name='Date']",
          message: "Date() is the wall clock: use context.df.currentUtcDateTime.",
        },
      ],
      "no-restricted-globals": [
        "error",
        ...["fetch", "setTimeout", "setInterval", "setImmediate", "XMLHttpRequest", "WebSocket", "process"].map(
          (name) => ({
            name,
            message:
              "Orchestrations do no I/O and set no timers of their own: use an activity or context.df.createTimer.",
          }),
        ),
      ],
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "node:*",
                "fs",
                "fs/*",
                "http",
                "https",
                "http2",
                "net",
                "tls",
                "dns",
                "dgram",
                "child_process",
                "crypto",
                "worker_threads",
                "undici",
              ],
              message: "Orchestrations do no I/O: do it in an activity.",
            },
            {
              group: [
                "@azure/*",
                "**/acr/**",
                "**/storage/**",
                "**/audit/**",
                "**/scanning/**",
                "**/auth/**",
                "**/config.js",
                "**/composition/**",
              ],
              message: "Orchestrations reach clients and settings only through activities and their input.",
            },
            { group: ["**/local/**"], message: "src/ never imports the local stack." },
          ],
        },
      ],
    },
  },
  {
    // The scan worker ships alone in its image: of the product it may import only the files its Dockerfile copies.
    files: ["scanner-worker/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/local/**"], message: "The scan worker never imports the local stack." },
            { group: ["@azure/functions", "durable-functions"], message: "The scan worker is not a Functions app." },
            {
              regex:
                "^\\.\\./src/(?!errors/gate-error\\.js$|scanning/queue/message\\.js$|scanning/queue/scan-failure\\.js$|scanning/transient-failure\\.js$)",
              message:
                "Only gate-error, queue/message, queue/scan-failure and transient-failure are in the worker image (scanner-worker/Dockerfile; test/scanner-worker/unit/dockerfile.test.ts).",
            },
          ],
        },
      ],
    },
  },
  {
    // Plain Node scripts that run before `npm ci` (local/preflight): Node's globals.
    files: ["**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
  // Formatting is Prettier's job (npm run format); this turns off the ESLint rules that would fight it.
  prettierConfig,
);
