"""The Document Templates and the delivery Email Template the app installs once (an admin edits or
deletes them afterwards; see setup/defaults.py). Plain data: the adapter creates the records and
builds the .docx files from the paragraph lists with python-docx."""

from crm_order_extension.core import formation, pipeline
from crm_order_extension.core.documents import ADD_ON, DOCX, ENTITY_TYPE, PDF, SERVICE_TYPE

FO, CS = pipeline.FORMATION_ORDER, pipeline.COMPLIANCE_SERVICE

_STYLE = """<style>
.coe-doc { font-size: 11pt; }
.coe-doc h1 { font-size: 18pt; margin-bottom: 4px; }
.coe-doc table { width: 100%; border-collapse: collapse; margin-top: 12px; }
.coe-doc th, .coe-doc td { border-bottom: 1px solid #d1d8dd; padding: 6px 4px; text-align: left; }
.coe-doc .amount { text-align: right; }
</style>"""

INVOICE_SUMMARY_HTML = (
	_STYLE
	+ """
<div class="coe-doc">
<h1>Invoice Summary</h1>
<p>{{ company.company_name if company else "" }}</p>
<p><b>Order:</b> {{ order.name }}<br>
<b>Customer:</b> {{ customer.customer_name if customer else order.customer }}<br>
{% if order.doctype == "Formation Order" %}<b>Entity:</b> {{ order.entity_name }} ({{ order.entity_type }}, {{ state_name or order.state }})
{% else %}<b>Service:</b> {{ order.service_type }}{% endif %}<br>
<b>Sales Order:</b> {{ order.sales_order or "" }}</p>
<table>
<tr><th>Item</th><th class="amount">Amount</th></tr>
{% if order.doctype == "Formation Order" %}
<tr><td>Formation of {{ order.entity_name }}</td><td class="amount">{{ frappe.format((order.order_total or 0) - (add_ons | map(attribute="price") | map("float") | sum), {"fieldtype": "Currency"}) }}</td></tr>
{% for row in add_ons %}<tr><td>{{ row.add_on }}</td><td class="amount">{{ frappe.format(row.price, {"fieldtype": "Currency"}) }}</td></tr>
{% endfor %}
{% else %}
<tr><td>{{ order.service_type }}</td><td class="amount">{{ frappe.format(order.order_total or 0, {"fieldtype": "Currency"}) }}</td></tr>
{% endif %}
<tr><th>Total</th><th class="amount">{{ frappe.format(order.order_total or 0, {"fieldtype": "Currency"}) }}</th></tr>
</table>
</div>"""
)

SS4_COVER_LETTER_HTML = (
	_STYLE
	+ """
<div class="coe-doc">
<p>{{ frappe.format(frappe.utils.nowdate(), {"fieldtype": "Date"}) }}</p>
<p>Internal Revenue Service<br>Attn: EIN Operation</p>
<h1>Application for Employer Identification Number (Form SS-4)</h1>
<p>Re: {{ order.entity_name }}, a {{ state_name or order.state }} {{ order.entity_type }}</p>
<p>Enclosed is Form SS-4 for {{ order.entity_name }}{% if order.filing_number %} (state filing number {{ order.filing_number }}){% endif %}.
The entity is {{ (order.management_type or "").lower() or "managed by its board" }}{% if members %} and its responsible party is {{ members[0].member_name }}{% endif %}.</p>
<p>Please send the EIN confirmation letter to the responsible party at the address on the form.</p>
<p>Sincerely,<br><br>{{ company.company_name if company else "" }}<br>on behalf of {{ customer.customer_name if customer else order.customer }}</p>
</div>"""
)

# The EIN once it is on file (a Sensitive ID of the customer for the entity): until then the body
# renders to nothing and no letter is made. A Sensitive Data Viewer approves the template once
# before any job may put the number in (see core.sensitive_documents).
EIN_LETTER = "EIN Confirmation Letter"
EIN_LETTER_HTML = (
	"""{% set ein = sensitive_id(order.customer, "EIN", order.entity_name, purpose="EIN confirmation letter", default="") %}
{% if ein %}"""
	+ _STYLE
	+ """
<div class="coe-doc">
<p>{{ frappe.format(frappe.utils.nowdate(), {"fieldtype": "Date"}) }}</p>
<p>{{ customer.customer_name if customer else order.customer }}</p>
<h1>Employer Identification Number</h1>
<p>Re: {{ order.entity_name }}, a {{ state_name or order.state }} {{ order.entity_type }}</p>
<p>The Internal Revenue Service has assigned {{ order.entity_name }} the Employer Identification Number
<b>{{ ein }}</b>.</p>
<p>Use this number on the company's federal tax returns, bank accounts and payroll filings, and keep
this letter with the company records.</p>
<p>Sincerely,<br><br>{{ company.company_name if company else "" }}</p>
</div>
{% endif %}"""
)

OPERATING_AGREEMENT_DOCX = [
	("title", "Operating Agreement of {{ order.entity_name }}"),
	(
		"text",
		"This Operating Agreement of {{ order.entity_name }}, a {{ state_name or order.state }} limited "
		"liability company (the Company), is entered into by its members listed below.",
	),
	("heading", "1. Management"),
	("text", "The Company is {{ (order.management_type or '').lower() }}."),
	("heading", "2. Members and Ownership"),
	("text", "{%p for m in members %}"),
	(
		"text",
		"{{ m.member_name }}: {{ m.ownership_pct }}% ownership; capital contribution "
		"{{ frappe.format(m.capital_contribution or 0, {'fieldtype': 'Currency'}) }}",
	),
	("text", "{%p endfor %}"),
	("heading", "3. Registered Agent"),
	("text", "{{ order.registered_agent or 'To be appointed by the members.' }}"),
	("heading", "4. Signatures"),
	("text", "{%p for m in members %}"),
	("text", "____________________________  {{ m.member_name }}"),
	("text", "{%p endfor %}"),
]

# The sections of each Compliance Service report skeleton.
REPORT_SECTIONS = {
	"FLSA Audit": [
		"Employee classification (exempt / non-exempt)",
		"Overtime and minimum wage",
		"Recordkeeping",
	],
	"CCPA Audit": ["Personal information inventory", "Consumer rights requests", "Notices and opt-out"],
	"TCPA Audit": ["Consent records", "Calling and texting practices", "Do-not-call compliance"],
	"Contractor Assessment": ["Behavioral control", "Financial control", "Relationship of the parties"],
	"Handbook Review": ["Required policies", "State-specific provisions", "Acknowledgements"],
	"Breach Response Plan": ["Response team", "Detection and containment", "Notification duties"],
	"Privacy Policy": ["Data collected", "Use and sharing", "Rights and contact"],
}


def report_docx(service_type: str) -> list[tuple[str, str]]:
	paragraphs = [
		("title", "{{ order.service_type }} Report"),
		(
			"text",
			"Prepared for {{ customer.customer_name if customer else order.customer }} (order {{ order.name }})",
		),
		("heading", "Scope"),
		("text", "{%p for key, value in intake.items() %}"),
		("text", "{{ key }}: {{ value }}"),
		("text", "{%p endfor %}"),
	]
	for section in REPORT_SECTIONS[service_type]:
		paragraphs += [("heading", section), ("text", "Findings: "), ("text", "Recommendations: ")]
	paragraphs += [("heading", "Summary"), ("text", "")]
	return paragraphs


def default_templates() -> list[dict]:
	"""Document Template records: name, doctype, format, conditions, body_html or docx paragraphs."""
	templates = [
		{
			"template_name": "Operating Agreement",
			"pipeline_doctype": FO,
			"output_format": DOCX,
			"description": "Every LLC formation",
			"conditions": [(ENTITY_TYPE, formation.LLC)],
			"docx": OPERATING_AGREEMENT_DOCX,
		},
		{
			"template_name": "SS-4 Cover Letter",
			"pipeline_doctype": FO,
			"output_format": PDF,
			"description": "Formations with the EIN add-on",
			"conditions": [(ADD_ON, formation.EIN)],
			"body_html": SS4_COVER_LETTER_HTML,
		},
		{
			"template_name": EIN_LETTER,
			"pipeline_doctype": FO,
			"output_format": PDF,
			"description": "Formations with the EIN add-on, once the EIN is on file (needs a Sensitive Data Viewer's approval)",
			"conditions": [(ADD_ON, formation.EIN)],
			"body_html": EIN_LETTER_HTML,
		},
		{
			"template_name": "Invoice Summary (Formation)",
			"pipeline_doctype": FO,
			"output_format": PDF,
			"description": "Every Formation Order",
			"conditions": [],
			"body_html": INVOICE_SUMMARY_HTML,
		},
		{
			"template_name": "Invoice Summary (Compliance)",
			"pipeline_doctype": CS,
			"output_format": PDF,
			"description": "Every Compliance Service",
			"conditions": [],
			"body_html": INVOICE_SUMMARY_HTML,
		},
	]
	for service_type in formation.SERVICE_TYPES:
		templates.append(
			{
				"template_name": f"{service_type} Report",
				"pipeline_doctype": CS,
				"output_format": DOCX,
				"description": f"Report skeleton of every {service_type}",
				"conditions": [(SERVICE_TYPE, service_type)],
				"docx": report_docx(service_type),
			}
		)
	return templates


DELIVERY_EMAIL = {
	"name": "Order Documents Delivery",
	"subject": "Your documents for {{ order.entity_name or order.service_type }} ({{ order.name }})",
	"response_html": (
		"<p>Dear {{ customer.customer_name if customer else 'customer' }},</p>"
		"<p>The documents of your order {{ order.name }}"
		"{% if order.entity_name %} for {{ order.entity_name }}{% endif %} are attached.</p>"
		"<p>Kind regards,<br>{{ company.company_name if company else '' }}</p>"
	),
}
