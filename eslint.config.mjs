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
		// The /crm and /helpdesk form scripts (crm_order_extension/form_scripts.py writes them into the
		// fixtures): they run in CRM's and Helpdesk's pages, not in Desk.
		files: ["crm_order_extension/public/js/form_scripts/*.js"],
		languageOptions: {
			globals: { ...globals.browser, frappe: "off", $: "off", crm_order_extension: "off" },
		},
	},
	{
		// CRM Form Scripts: the helpers CRM's loader passes to the script (frontend/src/data/script.js)
		files: ["crm_order_extension/public/js/form_scripts/crm_*.js"],
		languageOptions: {
			globals: { call: "readonly", createDialog: "readonly", toast: "readonly", socket: "readonly" },
		},
	},
	{
		// Node scripts of the end-to-end tests
		files: ["crm_order_extension/tests/e2e/*.js"],
		languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
	},
	configPrettier,
];
