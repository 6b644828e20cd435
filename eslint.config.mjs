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
    // Plain Node scripts that run before `npm ci` (local/preflight): Node's globals.
    files: ["**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
  // Formatting is Prettier's job (npm run format); this turns off the ESLint rules that would fight it.
  prettierConfig,
);
