// The JS lint of ./run-tests ("== lint") and .pre-commit-config.yaml, set up as frappe/crm sets up
// its frontend (frontend/eslint.config.mjs): ESLint's recommended rules, an undefined name is an
// error, and formatting is prettier's alone (eslint-config-prettier, last, turns off the rules
// prettier owns).
import js from "@eslint/js";
import configPrettier from "eslint-config-prettier";
import globals from "globals";

// What Desk gives the app's form, list, report and page scripts.
const desk = {
	...globals.browser,
	frappe: "readonly",
	__: "readonly",
	$: "readonly", // jQuery
	crm_order_extension: "readonly",
};

export default [
	{ ignores: ["**/node_modules/**", "**/public/dist/**", ".venv/**", "build/**", "dist/**"] },
	js.configs.recommended,
	{
		files: ["crm_order_extension/**/*.js"],
		languageOptions: {
			ecmaVersion: "latest",
			sourceType: "script", // Desk loads them as classic scripts
			globals: desk,
		},
		rules: {
			"no-undef": "error",
		},
	},
	{
		// Node scripts of the end-to-end tests
		files: ["crm_order_extension/tests/e2e/*.js"],
		languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
	},
	configPrettier,
];
