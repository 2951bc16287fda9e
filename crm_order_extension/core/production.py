"""The four production stages tracked on Work Orders and how they show up in order history."""

OPS = "ops_status"
MATERIAL = "material_status"
PRODUCTION = "production_status"
QA = "qa_status"

# Stage options, default first as on the Work Order custom fields.
STAGE_OPTIONS = {
	OPS: ("PENDING", "APPROVED", "BLOCKED"),
	MATERIAL: ("PENDING", "IN_STOCK", "OUT_OF_STOCK", "ORDERED"),
	PRODUCTION: ("PENDING", "IN_PROGRESS", "DONE"),
	QA: ("AWAITING", "APPROVED", "REJECTED"),
}
DEFAULTS = {stage: options[0] for stage, options in STAGE_OPTIONS.items()}

# History field -> Work Order custom field (the Material stage is "ingredients" on the Work Order).
WORK_ORDER_FIELDS = {
	OPS: "custom_ops_status",
	MATERIAL: "custom_ingredients_status",
	PRODUCTION: "custom_production_status",
	QA: "custom_qa_status",
}

# ERPNext's own Work Order status, used only while nobody has set the Production stage by hand.
PRODUCTION_FROM_WORK_ORDER_STATUS = {
	"Completed": "DONE",
	"In Process": "IN_PROGRESS",
}

INDICATOR_COLORS = {
	"APPROVED": "green",
	"DONE": "green",
	"IN_STOCK": "green",
	"IN_PROGRESS": "blue",
	"PENDING": "yellow",
	"AWAITING": "yellow",
	"ORDERED": "yellow",
	"BLOCKED": "red",
	"REJECTED": "red",
	"OUT_OF_STOCK": "red",
}


def indicator_color(value: str | None) -> str:
	return INDICATOR_COLORS.get(value or "", "gray")


def stage_values(work_order: dict | None) -> dict[str, str]:
	"""History stage values for a Work Order row (custom fields + status), or defaults without one.

	Unknown or empty values fall back to the stage's default, so a history row is always valid.
	"""
	if not work_order:
		return dict(DEFAULTS)
	values = {}
	for stage, wo_field in WORK_ORDER_FIELDS.items():
		value = work_order.get(wo_field)
		values[stage] = value if value in STAGE_OPTIONS[stage] else DEFAULTS[stage]
	if values[PRODUCTION] == DEFAULTS[PRODUCTION]:
		values[PRODUCTION] = PRODUCTION_FROM_WORK_ORDER_STATUS.get(
			work_order.get("status"), values[PRODUCTION]
		)
	return values
